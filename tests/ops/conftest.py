"""Operations tests reuse the gateway fixture (a resource, a client and its grant)."""

from tests.exchange.conftest import gateway  # noqa: F401
