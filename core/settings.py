"""One settings object, read once at start-up from the environment and `.env`."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

import locales
from core.files import create_private_file

# Telegram tokens look like 123456789:AA...; anything else is a typo or a placeholder.
TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{20,}$")
PLACEHOLDER = re.compile(r"(replace|change|your|example|xxx|token)", re.IGNORECASE)
# A SECRET_KEY copied from documentation rather than generated. Whole placeholder phrases
# only: a random key may well contain "xxx" or "your" by chance.
PLACEHOLDER_KEY = re.compile(r"(change|replace)[-_ ]?(me|this|it)|your[-_ ]|example|x{6,}|"
                             r"secret[-_ ]?key|placeholder", re.IGNORECASE)


class Settings(BaseSettings):
    """Configuration of one nearmiss installation."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./data/nearmiss.db"
    telegram_api_url: str | None = None
    default_language: str = "en"
    timezone: str = "Europe/London"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    environment: Literal["dev", "production"] = "dev"
    data_dir: Path = Path("./data")
    admin_host: str = "127.0.0.1"
    admin_port: int = Field(default=8000, ge=1, le=65535)
    admin_https_only: bool = False  # set true behind HTTPS so the session cookie is Secure
    # The address people open the admin at (scheme, host, port); every link and redirect is
    # built from it, never from the request's Host header. Default: ADMIN_HOST:ADMIN_PORT.
    admin_base_url: str | None = None
    # Bodies larger than this are refused (413) before they are read: the admin's largest
    # legitimate form (a bulletin, the privacy policy, a model's edit form) is a few KB.
    admin_max_body_bytes: PositiveInt = 2 * 1024 * 1024
    secret_key: SecretStr | None = None
    # A row a worker claimed but never marked (it was killed) is sent again after this long.
    # Longer than any wait a live worker has between claiming a row and sending it.
    outbox_stale_seconds: float = 120.0
    pattern_min_reports: int = 3  # similar near misses that make a pattern alert
    pattern_window_days: int = 30  # ... when they fall within this many days
    # Scaling out (README, "Running at scale"): conversation state and the shared send limiter
    # in Redis; updates by webhook (Telegram POSTs to WEBHOOK_URL, served by the admin's app).
    redis_url: str | None = None
    # Every key this deployment writes to Redis starts with it, so deployments (and test
    # runs) can share one Redis server.
    redis_prefix: str = "nearmiss"
    webhook_url: str | None = None  # the public https URL Telegram posts updates to
    # Governance PDFs: Chromium renders at once, and how long a request waits for its turn
    # before it is told the server is busy.
    pdf_renders: int = Field(default=1, ge=1, le=8)
    pdf_wait_seconds: float = Field(default=30.0, ge=0, le=600)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_url", "secret_key", "redis_url", "webhook_url",
                     "admin_base_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, use a name like Europe/London") \
                from None
        return value

    @field_validator("admin_base_url")
    @classmethod
    def _origin_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path.strip("/") or parts.query or parts.fragment:
            raise ValueError(f"ADMIN_BASE_URL must be a scheme and host, like "
                             f"https://nearmiss.example.org, not {value!r}")
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token_problem(self) -> str | None:
        """Why the bot token cannot be used, or None when it looks like a real one."""
        if self.bot_token is None:
            return "missing"
        token = self.bot_token.get_secret_value().strip()
        if PLACEHOLDER.search(token) and not TOKEN_SHAPE.match(token):
            return "placeholder"
        if not TOKEN_SHAPE.match(token):
            return "malformed"
        return None


def locales_dir() -> Path:
    """Where the gettext catalogs live (the `locales` package, installed or not)."""
    return Path(locales.__file__).resolve().parent


class ConfigurationError(RuntimeError):
    """A setting that cannot be used; the message says what to do."""


def admin_secret(settings: Settings) -> str:
    """The key that signs admin session cookies.

    SECRET_KEY when set (required in production, and never a placeholder); in development a
    random key kept in DATA_DIR/secret_key, so sign-ins survive a restart and no key is ever
    committed.
    """
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < 32 or PLACEHOLDER_KEY.search(key):
            raise ConfigurationError("SECRET_KEY must be a random value of 32+ characters, e.g. "
                                     "the output of: python -c 'import secrets; "
                                     "print(secrets.token_urlsafe(48))'")
        return key
    if settings.environment == "production":
        raise ConfigurationError("SECRET_KEY must be set when ENVIRONMENT=production.")
    path = settings.data_dir / "secret_key"
    if create_private_file(path) or not path.read_text().strip():  # new, or cut short
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def admin_base_url(settings: Settings) -> str:
    """Where the admin is served, as people's browsers reach it: ADMIN_BASE_URL, else
    http://ADMIN_HOST:ADMIN_PORT (required in production, where a proxy stands in front)."""
    if settings.admin_base_url is not None:
        return settings.admin_base_url
    if settings.environment == "production":
        raise ConfigurationError("ADMIN_BASE_URL must be set when ENVIRONMENT=production: the "
                                 "address people open the admin at, e.g. "
                                 "https://nearmiss.example.org")
    host = settings.admin_host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: reachable here as localhost
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.admin_port}"


def identity_key(settings: Settings) -> bytes:
    """The key that pseudonymises workers' Telegram ids (storage.identity), from the secret.

    Derived, so there is one secret to keep; changing SECRET_KEY makes workers enter their
    team code once more.
    """
    secret = admin_secret(settings).encode()
    return hmac.new(secret, b"nearmiss identity key v1", hashlib.sha256).digest()
