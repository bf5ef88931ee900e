"""The Socket.IO rooms that several domains share: every socket a signed-in member opens joins their own room, where
their badges (unread notifications) are pushed."""


def user_room(user_id: int) -> str:
    """The room of every socket a user has open."""
    return f"user-{user_id}"
