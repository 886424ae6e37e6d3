"""One settings model, read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLE_COMMUNITY = Path(__file__).parent / "data" / "daidong.yaml"
KB_DIR = Path(__file__).parent / "data" / "kb"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _bad(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose type names the catalog text `setup.setting.<kind>`."""
    return PydanticCustomError(kind, message)
TEMPLATE_SOURCES = ("first", "text", "time", "number")  # what a template message's field gets
MATTERS_FILE = Path(__file__).parent / "data" / "matters.yaml"
HOLIDAYS_FILE = Path(__file__).parent / "data" / "holidays.yaml"


class Settings(BaseSettings):
    """Every setting of the bot; `.env.example` documents each key."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    bot_username: str | None = None
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    database_url: str = "sqlite+aiosqlite:///linli.db"
    community_file: Path = SAMPLE_COMMUNITY
    kb_dir: Path = KB_DIR
    default_language: str = "zh-Hans"
    timezone: str = "Asia/Shanghai"
    outbox_interval_seconds: float = Field(default=1.0, gt=0)
    timer_interval_seconds: float = Field(default=30.0, gt=0)
    # Telegram's overall cap (about 30 messages/s), shared by every instance; replies and
    # cards come first, bulk sends (broadcasts, digests, reminders) use at most BROADCAST_RATE
    send_rate: float = Field(default=30.0, gt=0, le=10_000)
    broadcast_rate: float = Field(default=25.0, gt=0, le=10_000)
    concurrency: int = Field(default=32, ge=1, le=1000)  # updates handled at once
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    public_base_url: str | None = None  # how the world reaches HTTP_HOST:HTTP_PORT
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    log_format: str = "text"
    ack_followup_hours: float = Field(default=24.0, gt=0)
    flood_messages: int = Field(default=20, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    max_text_length: int = Field(default=1000, ge=50)
    # a reply is kept in the outbox, handed over by the transport right after the commit; if
    # that did not happen within this time (a crash), the outbox sender delivers it
    reply_hold_seconds: float = Field(default=30.0, gt=0)
    # a sender's claim on the messages it is sending; a crashed sender's claims pass to
    # another sender after this long
    outbox_lease_seconds: float = Field(default=20.0, gt=0, le=3600)
    log_level: str = "INFO"
    invite_ttl_days: float = Field(default=7, gt=0, le=365)
    channel_retry_max_seconds: float = Field(default=60.0, gt=0, le=3600)
    matters_file: Path = MATTERS_FILE
    holidays_file: Path = HOLIDAYS_FILE
    counter_slots: str = Field(default="09:00,10:00,11:00,14:30,15:30,16:30",
                               pattern=r"^\d{2}:\d{2}(,\d{2}:\d{2})*$")
    counter_slot_capacity: int = Field(default=3, ge=1)
    counter_booking_days: int = Field(default=10, ge=1, le=60)
    proposal_threshold: int = Field(default=10, ge=1)
    # the WeChat Official Account; the channel is served when WECHAT_APP_ID is set
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = Field(default=None, validate_default=True)
    wechat_token: str | None = Field(default=None, validate_default=True)
    wechat_aes_key: SecretStr | None = None  # unset: plaintext mode
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    wechat_template_id: str | None = None  # for messages outside the 48-hour window
    wechat_template_field: str = "thing1"
    # how long the callback waits for its answer to go as the passive reply (WeChat gives 5 s)
    wechat_menu_messages: bool = True  # choices sent by the API as clickable msgmenu messages
    wechat_reply_wait_seconds: float = Field(default=4.0, ge=0.0, le=4.5)
    # a self-built WeCom app for grid workers and staff; served when WECOM_CORP_ID is set
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = Field(default=None, validate_default=True)
    wecom_secret: SecretStr | None = Field(default=None, validate_default=True)
    wecom_token: str | None = Field(default=None, validate_default=True)
    wecom_aes_key: SecretStr | None = Field(default=None, validate_default=True)
    wecom_api_base_url: str = "https://qyapi.weixin.qq.com"

    @property
    def public_url(self) -> str:
        """PUBLIC_BASE_URL without its trailing slash, else http://HTTP_HOST:HTTP_PORT."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::") else self.http_host
        return f"http://{host}:{self.http_port}"

    @field_validator("telegram_bot_token", "bot_username", "public_base_url",
                     "telegram_webhook_url", "telegram_webhook_secret", "wechat_app_id",
                     "wechat_app_secret", "wechat_token", "wechat_aes_key",
                     "wechat_template_id", "wecom_corp_id", "wecom_agent_id", "wecom_secret",
                     "wecom_token", "wecom_aes_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("wechat_app_secret", "wechat_token")
    @classmethod
    def _wechat_complete(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.data.get("wechat_app_id"):
            raise _bad("wechat_incomplete",
                       "WECHAT_APP_ID needs WECHAT_APP_SECRET and WECHAT_TOKEN")
        return value

    @field_validator("wechat_template_field")
    @classmethod
    def _template_fields(cls, value: str) -> str:
        for part in value.split(","):
            name, _, source = part.strip().partition("=")
            if not name or (source and source not in TEMPLATE_SOURCES):
                raise _bad("wechat_template_field", "template fields are written thing1 or "
                           "thing1=first,time2=time,character_string3=number")
        return value

    @field_validator("wechat_aes_key", "wecom_aes_key")
    @classmethod
    def _wechat_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise _bad("wechat_aes_key", "the AES key is the 43-character EncodingAESKey")
        return value

    @field_validator("wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key",
                     mode="after")
    @classmethod
    def _wecom_complete(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.data.get("wecom_corp_id"):
            raise _bad("wecom_incomplete", "WECOM_CORP_ID needs WECOM_AGENT_ID, WECOM_SECRET, "
                       "WECOM_TOKEN and WECOM_AES_KEY")
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise _bad("bad_database_url", "DATABASE_URL must be sqlite:///PATH or postgresql://…")
        return value

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("zh-Hans", "en"):
            raise _bad("bad_language", "DEFAULT_LANGUAGE must be zh-Hans or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise _bad("bad_timezone", "TIMEZONE must be an IANA zone, e.g. Asia/Shanghai"
                       ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise _bad("bad_log_level", "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value.strip().upper()
