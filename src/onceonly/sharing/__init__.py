"""Data sharing: access requests, their review, and the grants they produce."""
