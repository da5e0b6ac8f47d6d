"""Settings, read once from the environment (prefix-free names, as operators expect)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEV_SECRET = "dev-insecure-secret-change-me-for-production-use"


RATE_LIMIT_SETTINGS = (
    "login_limit_per_account",
    "login_limit_per_address",
    "limit_password_reset_per_target",
    "limit_password_reset_per_address",
    "limit_invite_accept_per_invite",
    "limit_invite_accept_per_address",
    "limit_uploads_per_account",
    "limit_uploads_per_address",
    "limit_upload_bytes_per_account",
    "limit_upload_bytes_per_address",
    "limit_threads_per_account",
    "limit_threads_per_address",
    "limit_replies_per_account",
    "limit_replies_per_address",
    "limit_flags_per_account",
    "limit_flags_per_address",
    "limit_previews_per_account",
    "limit_previews_per_address",
    "limit_searches_per_account",
    "limit_searches_per_address",
    "limit_suggestions_per_account",
    "limit_suggestions_per_address",
    "limit_ws_connections_per_account",
    "limit_ws_connections_per_address",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{VAR / 'plein.db'}"
    redis_url: str | None = None
    # Namespaces every Redis key, so several Plein sites (or test runs) can share one Redis.
    redis_prefix: str = Field(default="plein", pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    secret_key: str = DEV_SECRET
    base_url: str = "http://127.0.0.1:8000"
    upload_dir: Path = VAR / "uploads"

    session_idle_minutes: int = Field(default=60 * 24 * 7, ge=5)
    session_absolute_hours: int = Field(default=24 * 30, ge=1)
    invite_ttl_hours: int = Field(default=24 * 7, ge=1)
    password_reset_ttl_minutes: int = Field(default=60, ge=5)
    # Abuse limits (app/ratelimit.py), in the `limits` syntax: "5/minute;20/hour". Per account: the member (for
    # an anonymous action, the e-mail address it is about); per address: the client's IP address, which a
    # council's office shares among many members — hence the larger numbers.
    login_limit_per_account: str = "5/minute;20/hour"  # failed logins only
    login_limit_per_address: str = "30/minute;300/hour"
    limit_password_reset_per_target: str = "3/hour;10/day"
    limit_password_reset_per_address: str = "10/hour;50/day"
    limit_invite_accept_per_invite: str = "10/hour"
    limit_invite_accept_per_address: str = "30/hour"
    limit_uploads_per_account: str = "60/hour"
    limit_uploads_per_address: str = "600/hour"
    limit_upload_bytes_per_account: str = "1000000000/hour"
    limit_upload_bytes_per_address: str = "10000000000/hour"
    limit_threads_per_account: str = "20/minute;200/hour"
    limit_threads_per_address: str = "200/minute;2000/hour"
    limit_replies_per_account: str = "60/minute;600/hour"
    limit_replies_per_address: str = "600/minute;6000/hour"
    limit_flags_per_account: str = "10/minute;50/hour"
    limit_flags_per_address: str = "100/minute;500/hour"
    limit_previews_per_account: str = "60/minute"
    limit_previews_per_address: str = "600/minute"
    limit_searches_per_account: str = "60/minute;1000/hour"
    limit_searches_per_address: str = "600/minute;10000/hour"
    limit_suggestions_per_account: str = "240/minute"
    limit_suggestions_per_address: str = "2400/minute"
    limit_ws_connections_per_account: str = "30/minute"
    limit_ws_connections_per_address: str = "300/minute"

    max_request_bytes: int = Field(default=1_000_000, ge=10_000)
    # The worst markdown of this length renders in 60–70 ms, ordinary prose in 10 (docs/performance.md).
    max_body_chars: int = Field(default=60_000, ge=1_000)
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    storage_quota_bytes: int = Field(default=500 * 1024 * 1024, ge=1024)
    # An attached picture with more pixels than this is served as a download, never shown in a browser (a small
    # file can decode to gigabytes: a phone's browser would stall or crash on it).
    inline_image_max_pixels: int = Field(default=40_000_000, ge=1)
    avatar_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    cover_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024)

    # Live updates: how many events a reconnecting client can catch up on, and per-socket limits.
    event_replay_max: int = Field(default=10_000, ge=10)
    ws_send_queue: int = Field(default=256, ge=8)
    ws_max_topics: int = Field(default=500, ge=1)
    ws_ping_interval: float = Field(default=20.0, gt=0)
    ws_ping_timeout: float = Field(default=20.0, gt=0)

    mail_from: str = "Plein <plein@localhost>"
    # smtp://user:pass@host:587 (STARTTLS when the server offers it), smtp+starttls://… (STARTTLS required),
    # smtps://…:465 (TLS from the first byte). Unset: mail is written to the log (development only).
    smtp_url: str | None = None
    smtp_timeout: float = Field(default=30.0, gt=0)
    # Production without SMTP_URL refuses to start unless this says, deliberately, that mail goes to the log.
    mail_to_log: bool = False

    # The job runner (mail outbox, digests): a claimed job is someone's for job_lease_seconds; a failed one
    # is retried after retry_base * 2^(attempt-1) seconds (capped), and given up after job_max_attempts.
    run_worker: bool = False  # run the job runner inside the web process (the embedded run)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: float = Field(default=120.0, gt=0)
    job_retry_base_seconds: float = Field(default=30.0, gt=0)
    job_retry_max_seconds: float = Field(default=3600.0, gt=0)
    job_max_attempts: int = Field(default=12, ge=1)
    digest_hour: int = Field(default=7, ge=0, le=23)  # local time (Europe/Amsterdam); weekly ones on Monday

    # Audit entries older than this are removed by the job runner (daily); the database refuses any other removal.
    audit_retention_days: int = Field(default=730, ge=30)

    # A new member's first posts wait for a moderator (0: none do).
    premoderate_first_posts: int = Field(default=0, ge=0, le=100)

    # Community health: a question is unanswered after this many hours without a reply; a member drifts away
    # when she posted in the last `active` weeks but not in the last `silent` weeks; a group is quiet after
    # this many days without activity.
    unanswered_after_hours: int = Field(default=48, ge=1)
    drifting_silent_weeks: int = Field(default=6, ge=1)
    drifting_active_weeks: int = Field(default=26, ge=2)
    quiet_group_days: int = Field(default=90, ge=1)

    # A question to more people than this waits for the community manager before anyone is notified.
    question_audience_approval_over: int = Field(default=50, ge=1)

    @field_validator(*RATE_LIMIT_SETTINGS)
    @classmethod
    def _a_rate_limit(cls, value: str) -> str:
        try:
            if not parse_many(value):
                raise ValueError(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit; write it like 5/minute;20/hour") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"DATABASE_URL is not a database URL: {exc}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("DATABASE_URL must be sqlite:///… or postgresql+psycopg://…")
        if url.get_backend_name() == "postgresql" and url.drivername != "postgresql+psycopg":
            # Operators paste plain postgresql:// URLs; psycopg 3 is the driver we ship.
            value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return value

    @field_validator("redis_url")
    @classmethod
    def _valid_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _valid_smtp_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("smtp://", "smtps://", "smtp+starttls://")):
            raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        return value

    @field_validator("base_url")
    @classmethod
    def _valid_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _valid_secret(cls, value: str) -> str:
        if len(value) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters")
        return value

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def database_url_safe(self) -> str:
        """The URL without its password, for messages and logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def check_production(self) -> None:
        """What production refuses to start with; `plein` checks it before it starts any worker process."""
        if self.environment != "production":
            return
        if self.secret_key == DEV_SECRET:
            raise ValueError("SECRET_KEY must be set in production (generate one: python3 -c "
                             "'import secrets; print(secrets.token_urlsafe(48))')")
        if len(set(self.secret_key)) < 16:
            raise ValueError("SECRET_KEY is too weak for production: use at least 16 different characters "
                             "(generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
        if not self.smtp_url and not self.mail_to_log:
            raise ValueError("SMTP_URL must be set in production (or MAIL_TO_LOG=true to write mail to the log, "
                             "with the links' tokens left out)")


_current: Settings | None = None


def get_settings() -> Settings:
    """The one Settings of this process: read from the environment once, or what create_app() was given."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def use_settings(settings: Settings | None) -> Settings:
    """Make `settings` the process's one source (create_app, tests); None reads the environment again."""
    global _current
    _current = settings
    return get_settings()
