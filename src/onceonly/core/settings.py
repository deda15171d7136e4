"""Settings from the environment (prefix ONCEONLY_), validated once at start-up."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only for the demo and tests: a fixed master key, so that a demo database survives a
# restart. Outside demo mode a missing ONCEONLY_MASTER_KEY stops start-up.
DEMO_MASTER_KEY = base64.urlsafe_b64encode(b"onceonly-demo-master-key-32bytes").decode()


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONCEONLY_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///onceonly.db",
        description="SQLAlchemy URL of the platform database (sqlite:/// or postgresql+psycopg://)",
    )
    data_dir: Path = Field(
        default=Path("onceonly-data"),
        description="Where the demo keeps its department source databases and files",
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description='Department source databases by code, JSON: {"ps": "postgresql+psycopg://…"}; '
        "a code not named here is looked for beside the platform database",
    )
    master_key: str = Field(
        default="",
        description="32 bytes, url-safe base64: encrypts signing keys and derives secrets",
    )
    demo_mode: bool = Field(default=False, description="Enables 'sign in as' and demo keys")
    demo_province: str = Field(
        default="A", pattern="^[AB]$", description="Which demo province to generate: A or B"
    )
    base_url: str = Field(default="http://127.0.0.1:8000")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secure_cookies: bool = Field(default=False, description="Set in production behind HTTPS")
    session_max_age: int = Field(default=8 * 3600, ge=60, description="Longest session, s")
    session_idle: int = Field(default=30 * 60, ge=60, description="Session ends when idle, s")
    force_password_change: bool = Field(
        default=False,
        description="Staff given a password (by an administrator or the demo) must choose "
        "their own at the first sign-in",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body, except file uploads"
    )
    max_json_depth: int = Field(default=64, ge=4, le=1000, description="Deepest JSON nesting")
    default_locale: str = "zh_CN"
    region_code: str = Field(default="", description="Home region of this platform")
    smtp_url: str = Field(
        default="",
        description="smtp://user:pass@host:port (smtps:// for TLS); empty = the local outbox",
    )
    mail_from: str = Field(default="onceonly@localhost", description="Sender of e-mails")
    audit_origin: str = Field(
        default="", description="The audit log's name in its checkpoints (default: host/audit)"
    )
    audit_sequencer: str = Field(
        default="embedded",
        pattern="^(embedded|external)$",
        description="embedded: each app process runs a sequencer (one is active at a time); "
        "external: run `onceonly audit sequencer` as its own process",
    )
    audit_sequencer_interval: float = Field(
        default=0.2, gt=0, le=10, description="Seconds between the sequencer's polls"
    )
    audit_batch: int = Field(
        default=5000, ge=1, le=50_000, description="Entries the sequencer takes per batch"
    )
    audit_checkpoint_interval: float = Field(
        default=5.0, ge=0, description="Seconds between signed checkpoints while the log grows"
    )
    audit_witness_file: Path | None = Field(
        default=None,
        description="Where each signed checkpoint is appended (default: in data_dir)",
    )
    # Operations (issue 23): logs, metrics, the job runner, backups, retention.
    log_format: str = Field(default="auto", pattern="^(auto|json|text)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    metrics_token: str = Field(default="", description="If set, /metrics wants this bearer")
    jobs_url: str = Field(
        default="", description="redis://host:port/db for the job queue; empty = SQLite file"
    )
    jobs_queue: str = Field(default="onceonly", pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    jobs_backlog_max: int = Field(default=1000, ge=1, le=10_000_000)
    retention_call_days: int = Field(default=365, ge=1, le=36500)
    retention_notification_days: int = Field(default=180, ge=1, le=36500)
    retention_draft_days: int = Field(default=90, ge=1, le=36500)
    retention_upload_days: int = Field(default=730, ge=1, le=36500)
    retention_opendata_file_days: int = Field(default=730, ge=1, le=36500)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value

    @field_validator("master_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str) -> str:
        if value:
            try:
                raw = base64.urlsafe_b64decode(value.encode())
            except (ValueError, TypeError) as exc:
                raise ValueError("must be url-safe base64") from exc
            if len(raw) != 32:
                raise ValueError("must decode to exactly 32 bytes")
        return value

    def master_key_bytes(self) -> bytes:
        key = self.master_key or (DEMO_MASTER_KEY if self.demo_mode else "")
        if not key:
            raise SettingsError(
                "ONCEONLY_MASTER_KEY is not set: generate one with `onceonly keys new-master`"
            )
        return base64.urlsafe_b64decode(key.encode())

    @property
    def log_json(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and not self.demo_mode)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ONCEONLY_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def public_base_url(settings: Settings | None = None) -> str:
    """The platform's public base URL, without a trailing slash. `onceonly serve` and
    `onceonly demo` set it to the address they serve unless ONCEONLY_BASE_URL is set
    (`cli.follow_port`), so that issuer ids and links follow `--port`."""
    return (settings or get_settings()).base_url.rstrip("/")
