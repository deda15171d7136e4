"""Audit fixtures: the gateway fixture, to make real look-ups that the log records."""

from tests.exchange.conftest import gateway  # noqa: F401
