"""Where kept files (citizens' and staff's photos) live: a small storage protocol and its implementations.

:class:`FileStore` is the protocol: ``put`` / ``get`` by a relative key such as
``ticket/T20261129001/3.jpg``. :class:`DirectoryStore` (the default) writes under a directory
(``ENVBOT_MEDIA_DIR``, default ``data_dir/files``); :class:`S3Store` writes to an S3-compatible
store (MinIO, a cloud's object storage) through boto3, which is not a dependency of envbot:
install it to use ``ENVBOT_MEDIA_STORE=s3``. :func:`build_file_store` picks one from the settings.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from bot.settings import Settings
from core.errors import ConfigError, EnvbotError

__all__ = ["DirectoryStore", "FileStore", "FileStoreError", "S3Store", "build_file_store", "check_key"]

_KEY_RE = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.[a-z0-9]{2,5}")


class FileStoreError(EnvbotError):
    """A file could not be written or read (disk, permissions, the object store); ``key`` names it."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def check_key(key: str) -> str:
    """``key`` when it is a safe relative key (``a/b/c.ext``: letters, digits, ``_-``, no ``..``).

    Raises:
        FileStoreError: anything else (an absolute path, ``..``, other characters).
    """
    if not _KEY_RE.fullmatch(key):
        raise FileStoreError(f"not a file key: {key!r}", key=key)
    return key


class FileStore(Protocol):
    """Keeps bytes under a relative key (:func:`check_key`)."""

    def put(self, key: str, content: bytes, content_type: str) -> None:
        """Store ``content`` under ``key`` (replacing what was there). Raises :class:`FileStoreError`."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``. Raises :class:`FileStoreError` when missing or unreadable."""


class DirectoryStore:
    """Files under ``root``; a write goes to a temporary file first and is renamed, so a reader never
    sees half a file and a crash leaves none."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        """Write ``content`` to ``root/key`` atomically. Raises :class:`FileStoreError`."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(content)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise FileStoreError(f"cannot write {key}: {exc.strerror or exc}", key=key) from exc

    def get(self, key: str) -> bytes:
        """The bytes of ``root/key``. Raises :class:`FileStoreError`."""
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise FileStoreError(f"cannot read {key}: {exc.strerror or exc}", key=key) from exc


class S3Store:
    """Objects in ``bucket`` under ``prefix`` of an S3-compatible store, through a boto3 S3 client.

    Args:
        client: a boto3 S3 client (``boto3.client("s3", endpoint_url=...)``), or any object with
            ``put_object`` and ``get_object`` of the same shape.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, key: str, content: bytes, content_type: str) -> None:
        """Upload ``content`` as ``prefix + key`` with its content type. Raises :class:`FileStoreError`."""
        name = self.prefix + check_key(key)
        try:
            self.client.put_object(Bucket=self.bucket, Key=name, Body=content, ContentType=content_type)
        except Exception as exc:  # botocore's errors have no common base outside botocore
            raise FileStoreError(f"cannot upload {key}: {type(exc).__name__}", key=key) from exc

    def get(self, key: str) -> bytes:
        """Download ``prefix + key``. Raises :class:`FileStoreError`."""
        name = self.prefix + check_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            return bytes(body.read())
        except Exception as exc:  # as above
            raise FileStoreError(f"cannot download {key}: {type(exc).__name__}", key=key) from exc


def build_file_store(settings: Settings) -> FileStore:
    """The store of ``ENVBOT_MEDIA_STORE``: a :class:`DirectoryStore` at ``settings.media_path``, or an
    :class:`S3Store` (``ENVBOT_MEDIA_S3_*``).

    Raises:
        ConfigError: ``s3`` without boto3 installed.
    """
    if settings.media_store == "files":
        return DirectoryStore(settings.media_path)
    try:
        import boto3  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ConfigError("ENVBOT_MEDIA_STORE=s3 needs boto3: pip install boto3") from exc
    client = boto3.client(
        "s3",
        endpoint_url=settings.media_s3_endpoint or None,
        aws_access_key_id=settings.media_s3_access_key or None,
        aws_secret_access_key=settings.media_s3_secret_key or None,
    )
    return S3Store(client, settings.media_s3_bucket, settings.media_s3_prefix)
