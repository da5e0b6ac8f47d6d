"""The text of attached PDFs (a motion's full text is often a PDF), read by the job runner with pypdf and
added to the search entry of the post it is attached to."""
from __future__ import annotations

import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy.orm import Session

from app.models import Attachment, Post, Thread
from app.services.attachments import storage
from app.services.search.index import index_post

log = logging.getLogger("plein.search")
MAX_PAGES = 200
MAX_CHARS = 200_000  # enough for any motion or report; a 500-page annex is not read to the end


def read_pdf_text(path: str) -> str:
    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:  # noqa: BLE001 - a password we do not have: nothing to read
            return ""
    parts: list[str] = []
    size = 0
    for page in reader.pages[:MAX_PAGES]:
        text = " ".join((page.extract_text() or "").split())
        parts.append(text)
        size += len(text)
        if size >= MAX_CHARS:
            break
    return " ".join(parts)[:MAX_CHARS]


def extract_attachment_text(session: Session, *, attachment_id: int) -> int:
    """The job: read the PDF, keep its text, update its post's search entry; returns the characters read."""

    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.content_type != "application/pdf":
        return 0
    try:
        text = read_pdf_text(str(storage().path(attachment.storage_key)))
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        # A damaged or odd PDF is still a fine attachment; it is just not searchable. Not worth a retry.
        log.warning("could not read the text of attachment %s: %s", attachment_id, exc)
        text = ""
    attachment.text = text
    session.flush()
    post = session.get(Post, attachment.post_id) if attachment.post_id else None
    thread = session.get(Thread, post.thread_id) if post else None
    if post is not None and thread is not None:
        index_post(session, post, thread)
    return len(text)

