"""Runtime settings, read from the environment and an optional `.env` file.

pydantic-settings does the parsing so that every setting has one type, one default and
one place where it is documented (`.env.example` mirrors this class).

The defaults do not depend on the folder a command is run from: the bundled document set
and the state folder (with the SQLite question log) are found from where geobot is
installed. In a source checkout (the quick start's editable install) they are the
repository's `data/` and `var/`; installed from a wheel, the copy of `data/` packaged
inside it, and the user's state folder (XDG_STATE_HOME, ~/.local/state). A path given in
a setting is taken as typed, relative to the current folder.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PACKAGE = Path(__file__).resolve().parent


def source_checkout() -> Path | None:
    """The repository geobot runs from (a checkout, an editable install), if it does."""
    root = _PACKAGE.parents[1]  # <repository>/src/geobot
    if _PACKAGE.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def bundled_data_dir() -> Path:
    root = source_checkout()
    # The wheel carries data/ as geobot/bundled_data (pyproject: force-include).
    return root / "data" if root is not None else _PACKAGE / "bundled_data"


def default_state_dir() -> Path:
    root = source_checkout()
    if root is not None:
        return root / "var"
    base = os.environ.get("XDG_STATE_HOME", "").strip() or str(Path.home() / ".local" / "state")
    return Path(base) / "geobot"


def _env_files() -> tuple[Path, ...]:
    # The checkout's .env wherever the command runs, and the current folder's, which wins.
    root = source_checkout()
    return (root / ".env", Path(".env")) if root is not None else (Path(".env"),)


def _id_list(value: object) -> object:
    # Accept "1, 2 3" as well as a JSON list: operators paste ids from Discord by hand.
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
        return [int(p) for p in parts]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=_env_files(), env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "GEOBOT_TOKEN")
    )
    # Empty: SQLite in the state folder (see _default_database).
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "GEOBOT_DATABASE_URL"),
    )
    data_dir: Path = Field(default_factory=bundled_data_dir, validation_alias="GEOBOT_DATA")
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
    state_dir: Path = Field(default_factory=default_state_dir, validation_alias="GEOBOT_STATE_DIR")

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

    @field_validator("data_dir", "state_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        # A copied template line ("GEOBOT_DATA=") means the default, not the current folder.
        if isinstance(value, str) and not value.strip():
            return bundled_data_dir() if info.field_name == "data_dir" else default_state_dir()
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url.strip():
            self.database_url = f"sqlite:///{self.state_dir / 'geobot.db'}"
        return self

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
