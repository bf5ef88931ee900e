"""Files attached to ideas and specifications, served only through a checked view."""
