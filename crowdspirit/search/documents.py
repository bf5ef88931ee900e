"""What the index holds for each object: one flat shape for every kind, built from the database (the only source of
truth) by the builders the domains register (search.registry).

The same builders serve the live indexer, the full rebuild and search-check, so a document is the
same whichever path wrote it and drift shows up as a different digest.
"""

import hashlib

from .schema import detect_language, positional


def document(key: str, access: str, title: str, body: str, created, project=None, stage="", tags=(),
             author=None, idea=None, thread=None) -> dict:
    """A document in the index's shape, its text in the field of its detected language; key is "<kind>:<id>",
    access the access key (access.access_key)."""
    language = detect_language(f"{title}\n{body}")
    fields = {
        "key": key, "kind": key.split(":")[0], "access": access, "project": str(project or ""), "stage": stage or "",
        "tags": ",".join(tags), "author": str(author or ""), "created": created, "idea": str(idea or ""),
        "thread": str(thread or ""),
        f"title_{language}": title, f"body_{language}": body, "words": f"{title}\n{body}",
        positional(f"title_{language}"): title, positional(f"body_{language}"): body,
    }
    fields["digest"] = hashlib.blake2b(repr(sorted(fields.items())).encode(), digest_size=8).hexdigest()
    return fields
