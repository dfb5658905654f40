"""Runtime settings, read from the environment and an optional `.env` file.

pydantic-settings does the parsing so that every setting has one type, one default and
one place where it is documented (`.env.example` mirrors this class).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/geobot.db"


def _id_list(value: object) -> object:
    # Accept "1, 2 3" as well as a JSON list: operators paste ids from Discord by hand.
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
        return [int(p) for p in parts]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "GEOBOT_TOKEN")
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "GEOBOT_DATABASE_URL"),
    )
    data_dir: Path = Field(default=Path("data"), validation_alias="GEOBOT_DATA")
    dev_guild_id: int | None = Field(default=None, validation_alias="GEOBOT_DEV_GUILD_ID")
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="GEOBOT_ADMIN_IDS"
    )
    log_level: str = Field(default="INFO", validation_alias="GEOBOT_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias="GEOBOT_LOG_FORMAT"
    )
    metrics_port: int | None = Field(default=None, validation_alias="GEOBOT_METRICS_PORT")
    # Loopback by default: the endpoint has no authentication, so exposing it is a choice.
    metrics_addr: str = Field(default="127.0.0.1", validation_alias="GEOBOT_METRICS_ADDR")
    shard_count: int | None = Field(default=None, validation_alias="GEOBOT_SHARD_COUNT")
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None, validation_alias="GEOBOT_SHARD_IDS"
    )
    ask_cooldown_seconds: float = Field(default=10.0, validation_alias="GEOBOT_ASK_COOLDOWN")
    ask_cooldown_rate: int = Field(default=3, validation_alias="GEOBOT_ASK_RATE")
    state_dir: Path = Field(default=Path("var"), validation_alias="GEOBOT_STATE_DIR")

    @field_validator("admin_ids", "shard_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if value in ("", None):
            return None if value is None else []
        return _id_list(value)

    @field_validator("dev_guild_id", "metrics_port", "shard_count", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` ships these empty ("GEOBOT_METRICS_PORT="): a copied template
        # must mean "off", not fail to parse as an integer.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
