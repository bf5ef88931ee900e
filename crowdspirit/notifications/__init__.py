"""In-app notifications (replies, mentions, followed threads, moderation) and the daily email digest."""
