"""Supervision: the figures that show which department is slow or closed."""
