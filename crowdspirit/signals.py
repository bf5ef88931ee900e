"""Domain events: services send them after commit; live pushes (and later search, karma) listen."""

from blinker import Namespace

_signals = Namespace()

#: who may see a project's content changed (membership, NDA, policy, stage); sender: the project id
access_changed = _signals.signal("access-changed")
#: a post was published or changed; sender: the Post
post_changed = _signals.signal("post-changed")
