"""onceonly: let the data run, not the people (数据多跑路，群众少跑腿)."""

__version__ = "0.1.0"

# The domain packages, in dependency order. The app, the CLI, the migrations and the
# demo discover each domain's routers, commands, models and seeders from this list, so a
# new domain is wired in here and nowhere else. Only top-level packages are listed:
# `core.registry` walks each one's sub-packages (`services.visits`) the same way.
DOMAINS: tuple[str, ...] = (
    "identity",
    "audit",
    "catalog",
    "sharing",
    "exchange",
    "licences",
    "federation",
    "services",
    "appeals",
    "opendata",
    "supervision",
    "ops",
    "web",
)
