"""Local disk storage for uploaded files. Stored names are random; the user's filename is only metadata."""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.errors import TooLarge

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str
    head: bytes


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def save(self, source: BinaryIO, *, max_bytes: int, too_large: str) -> Stored:
        """Copy in chunks, stopping as soon as the limit is passed; rename into place only when complete."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(too_large, field="file")
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            key = secrets.token_hex(20)
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return Stored(key=key, size=size, sha256=digest.hexdigest(), head=head)

    def save_bytes(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return key

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
