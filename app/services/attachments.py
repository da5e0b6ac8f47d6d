"""Attachments: upload with a size limit and a quota, content type from the bytes, safe serving."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access import access_attachment
from app.config import get_settings
from app.db import on_rollback, rows_changed
from app.errors import Invalid, TooLarge
from app.jobs import ReadPdfText, enqueue
from app.models import Attachment, User
from app.schemas.posts import AttachmentOut
from app.services.idempotency import claim_idempotency_key, fingerprint, remember_idempotency_key
from app.services.images import measure
from app.services.storage import LocalStorage

# Only these are ever shown inline — pictures within the pixel budget — and everything else is a download.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
INLINE_TYPES = {*IMAGE_TYPES, "application/pdf"}


def storage() -> LocalStorage:
    return LocalStorage(get_settings().upload_dir)


# Format characters (the bidirectional overrides and isolates of an "invoice\u202etxt.exe" trick, zero-width
# joiners), private use, surrogates and line/paragraph separators: never part of a name shown to anyone. Control
# characters become "_" below, with the characters a file system or a header would misread.
_INVISIBLE = {"Cf", "Co", "Cs", "Zl", "Zp"}


def safe_filename(name: str | None) -> str:
    """The name stored and shown for an upload. Idempotent: it is also applied when an older row is shown."""
    name = unicodedata.normalize("NFC", Path(name or "").name)
    name = "".join(char for char in name if unicodedata.category(char) not in _INVISIBLE)
    name = re.sub(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]+", "_", name).strip(" .")
    return name[:200] or "bestand"


def detect_content_type(head: bytes) -> str:
    """From the bytes, never from the client's claim. Unknown binary is octet-stream."""
    kind = filetype.guess(head)
    if kind is not None:
        mime: str = kind.mime  # filetype ships no types
        return mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sniffed head; allow that.
        try:
            head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    return "text/plain"


@lru_cache(maxsize=4096)
def _measured(path: Path) -> tuple[int, int] | None:
    return measure(path)


def picture_size(attachment: Attachment) -> tuple[int, int] | None:
    """(width, height) of a picture: as measured at upload, or — stored before that was done — from its file."""
    if attachment.content_type not in IMAGE_TYPES:
        return None
    if attachment.width is not None and attachment.height is not None:
        return attachment.width, attachment.height
    return _measured(storage().path(attachment.storage_key))


def shown_inline(content_type: str, size: tuple[int, int] | None) -> bool:
    """A PDF, or a picture (of this `picture_size`) whose pixels fit the budget; a picture that cannot even be
    measured is a download."""
    if content_type in IMAGE_TYPES:
        return size is not None and size[0] * size[1] <= get_settings().inline_image_max_pixels
    return content_type in INLINE_TYPES


def attachment_out(attachment: Attachment) -> AttachmentOut:
    size = picture_size(attachment)
    return AttachmentOut(
        id=attachment.id, filename=safe_filename(attachment.filename), content_type=attachment.content_type,
        size=attachment.size, url=f"/api/v1/attachments/{attachment.id}/content",
        inline=shown_inline(attachment.content_type, size), width=size[0] if size else None,
        height=size[1] if size else None, created_at=attachment.created_at,
    )


def upload_attachment(session: Session, actor: User, *, source: BinaryIO, filename: str | None,
                      idempotency_key: str | None = None) -> AttachmentOut:
    settings = get_settings()
    remaining = settings.storage_quota_bytes - actor.storage_used
    limit = min(settings.attachment_max_bytes, max(remaining, 0))
    if remaining <= 0:
        raise TooLarge("Your storage quota is used up; delete old attachments first.", field="file",
                       code="quota_exceeded")
    if limit == settings.attachment_max_bytes:
        message, code = f"The file is larger than {settings.attachment_max_bytes // (1024 * 1024)} MB.", "too_large"
    else:
        # Under the size limit but over what is left of the quota: the remedy is the quota's, so is the code.
        message, code = "The file does not fit in your remaining storage quota.", "quota_exceeded"
    try:
        stored = storage().save(source, max_bytes=limit, too_large=message)
    except TooLarge as exc:
        raise TooLarge(exc.message, field="file", code=code) from None
    if stored.size == 0:
        storage().delete(stored.key)
        raise Invalid("The file is empty.", field="file")
    name = safe_filename(filename)
    # The same bytes under the same name with the same key: the retry of an upload, stored once.
    request = fingerprint("attachment", f"{stored.sha256}:{name}")
    try:
        earlier = claim_idempotency_key(session, actor, idempotency_key, request, "attachment")
    except BaseException:
        storage().delete(stored.key)
        raise
    if earlier is not None:
        storage().delete(stored.key)
        return get_attachment(session, actor, attachment_id=earlier)
    # From here the file is kept — unless the transaction rolls back (a refusal below, a failed commit).
    on_rollback(session, lambda: storage().delete(stored.key))
    content_type = detect_content_type(stored.head)
    size = measure(storage().path(stored.key)) if content_type in IMAGE_TYPES else None
    # Counted against the quota in one statement that also checks it: uploads at the same moment can never
    # store more than what is left, and storage_used stays the exact sum (a read, add and write would lose some).
    counted = rows_changed(session, update(User).where(
        User.id == actor.id, User.storage_used + stored.size <= settings.storage_quota_bytes,
    ).values(storage_used=User.storage_used + stored.size).execution_options(synchronize_session=False))
    if counted != 1:
        raise TooLarge("The file does not fit in your remaining storage quota.", field="file", code="quota_exceeded")
    session.expire(actor, ["storage_used"])
    attachment = Attachment(
        uploader_id=actor.id, filename=name, content_type=content_type, size=stored.size, storage_key=stored.key,
        sha256=stored.sha256, width=size[0] if size else None, height=size[1] if size else None,
    )
    session.add(attachment)
    session.flush()
    remember_idempotency_key(session, actor, idempotency_key, attachment.id)
    return attachment_out(attachment)


def claim_attachments(session: Session, actor: User, *, post_id: int, attachment_ids: list[int]) -> list[Attachment]:
    """Attach the actor's own, not yet attached uploads to a post; returns them in upload order."""
    if not attachment_ids:
        return []
    found = list(session.scalars(select(Attachment).where(Attachment.id.in_(attachment_ids))))
    by_id = {a.id: a for a in found}
    for attachment_id in attachment_ids:
        attachment = by_id.get(attachment_id)
        if attachment is None or attachment.uploader_id != actor.id or attachment.post_id is not None:
            raise Invalid("Attachment %(id)s is not one of your unattached uploads.",
                          field="attachment_ids", params={"id": attachment_id})
        attachment.post_id = post_id
        if attachment.content_type == "application/pdf":
            # Its text is found in search once the job runner has read it (seconds, not in the request).
            enqueue(session, ReadPdfText(attachment_id=attachment.id), dedupe_key=f"pdf-text:{attachment.id}")
    return sorted(by_id.values(), key=lambda a: a.id)


def get_attachment(session: Session, actor: User, *, attachment_id: int) -> AttachmentOut:
    return attachment_out(access_attachment(session, actor, attachment_id))


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str
    inline: bool
    size: int


def open_attachment(session: Session, actor: User, *, attachment_id: int) -> Download:
    attachment = access_attachment(session, actor, attachment_id)
    return Download(
        path=storage().path(attachment.storage_key), filename=safe_filename(attachment.filename),
        content_type=attachment.content_type, inline=shown_inline(attachment.content_type, picture_size(attachment)),
        size=attachment.size,
    )
