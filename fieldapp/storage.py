"""Where processed photo bytes live, content-addressed by sha256.

Two backends share one small interface: :class:`FileSystemStore` (default, ``uploads/``) and
:class:`DatabaseStore` (bytes in the ``photo_blobs`` table, so several app servers on one
PostgreSQL share photos with nothing else to run).
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import PhotoBlob

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(key: str) -> bool:
    return bool(SHA256_RE.match(key))


class PhotoStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[str]: ...


class FileSystemStore:
    """Files ``ROOT/ab/abcdef…`` written atomically (temp file, fsync, rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not is_sha256(key):
            raise ValueError("not a sha256 key")
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def exists(self, key: str) -> bool:
        return is_sha256(key) and self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for file in sorted(sub.iterdir()):
                    if is_sha256(file.name):
                        yield file.name

    def temp_files(self) -> Iterator[Path]:
        """Leftovers of interrupted writes."""
        if self.root.exists():
            yield from self.root.glob("*/.tmp-*")


class DatabaseStore:
    """Photo bytes in the ``photo_blobs`` table; joins the caller's transaction (no commit)."""

    def put(self, key: str, data: bytes) -> None:
        if db.session.get(PhotoBlob, key) is None:
            db.session.add(PhotoBlob(sha256=key, data=data, size=len(data)))

    def get(self, key: str) -> bytes | None:
        return db.session.scalar(select(PhotoBlob.data).where(PhotoBlob.sha256 == key))

    def exists(self, key: str) -> bool:
        return db.session.scalar(select(PhotoBlob.sha256).where(PhotoBlob.sha256 == key)) is not None

    def delete(self, key: str) -> None:
        blob = db.session.get(PhotoBlob, key)
        if blob is not None:
            db.session.delete(blob)

    def keys(self) -> Iterator[str]:
        yield from db.session.scalars(select(PhotoBlob.sha256).order_by(PhotoBlob.sha256))


def photo_store() -> PhotoStore:
    """The configured store: FIELDAPP_PHOTO_STORE=filesystem (default) or database."""
    if current_app.config.get("PHOTO_STORE", "filesystem") == "database":
        return DatabaseStore()
    return FileSystemStore(current_app.config["UPLOAD_DIR"])
