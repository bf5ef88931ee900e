"""Cross-cutting web plumbing: rendering for pages and htmx fragments, errors, headers, locale."""
