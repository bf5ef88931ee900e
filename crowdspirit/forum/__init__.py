"""Discussion threads (community forum, projects, ideas) with live updates over Socket.IO."""
