from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, UploadFile, status
from fastapi.responses import FileResponse

from app.deps import CurrentUser, IdempotencyKeyHeader, SessionDep, rate_limited, upload_bytes
from app.models.enums import ThreadKind
from app.pagination import Page
from app.schemas.common import PathId
from app.schemas.posts import (
    AnswerIn,
    AttachmentOut,
    PostOut,
    PostUpdate,
    PreviewIn,
    PreviewOut,
    ReplyCreate,
    RevisionOut,
    ThreadCreate,
    ThreadDetail,
    ThreadOut,
    ThreadUpdate,
)
from app.services import attachments, posts

router = APIRouter(prefix="/api/v1", tags=["threads"])
Limit = Annotated[int | None, Query(ge=1, le=100)]
# A moderator removing someone else's post says why; the author is told.
Reason = Annotated[str, Query(max_length=500)]


@router.get("/channels/{channel_id}/threads", response_model=Page[ThreadOut])
def list_channel_threads(channel_id: PathId, actor: CurrentUser, session: SessionDep, kind: ThreadKind | None = None,
                         cursor: str | None = None, limit: Limit = None) -> Page[ThreadOut]:
    return posts.list_channel_threads(session, actor, channel_id=channel_id, kind=kind, cursor=cursor, limit=limit)


@router.get("/groups/{group_id}/threads", response_model=Page[ThreadOut])
def list_group_threads(group_id: PathId, actor: CurrentUser, session: SessionDep, kind: ThreadKind | None = None,
                       cursor: str | None = None, limit: Limit = None) -> Page[ThreadOut]:
    return posts.list_group_threads(session, actor, group_id=group_id, kind=kind, cursor=cursor, limit=limit)


@router.post("/channels/{channel_id}/threads", response_model=ThreadDetail, status_code=status.HTTP_201_CREATED,
             dependencies=[rate_limited("thread")])
def create_thread(channel_id: PathId, body: ThreadCreate, actor: CurrentUser, session: SessionDep,
                  idempotency_key: IdempotencyKeyHeader = None) -> ThreadDetail:
    return posts.create_thread(session, actor, channel_id=channel_id, data=body, idempotency_key=idempotency_key)


@router.get("/threads/{thread_id}", response_model=ThreadDetail)
def get_thread(thread_id: PathId, actor: CurrentUser, session: SessionDep) -> ThreadDetail:
    return posts.get_thread(session, actor, thread_id=thread_id)


@router.patch("/threads/{thread_id}", response_model=ThreadDetail)
def update_thread(thread_id: PathId, body: ThreadUpdate, actor: CurrentUser, session: SessionDep) -> ThreadDetail:
    return posts.update_thread(session, actor, thread_id=thread_id, data=body)


@router.delete("/threads/{thread_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_thread(thread_id: PathId, actor: CurrentUser, session: SessionDep, reason: Reason = "") -> None:
    posts.delete_thread(session, actor, thread_id=thread_id, reason=reason)


@router.put("/threads/{thread_id}/answer", response_model=ThreadDetail)
def mark_answer(thread_id: PathId, body: AnswerIn, actor: CurrentUser, session: SessionDep) -> ThreadDetail:
    return posts.set_answer(session, actor, thread_id=thread_id, post_id=body.post_id)


@router.delete("/threads/{thread_id}/answer", response_model=ThreadDetail)
def clear_answer(thread_id: PathId, actor: CurrentUser, session: SessionDep) -> ThreadDetail:
    return posts.set_answer(session, actor, thread_id=thread_id, post_id=None)


@router.get("/threads/{thread_id}/replies", response_model=Page[PostOut])
def list_replies(thread_id: PathId, actor: CurrentUser, session: SessionDep, cursor: str | None = None,
                 limit: Limit = None) -> Page[PostOut]:
    return posts.list_replies(session, actor, thread_id=thread_id, cursor=cursor, limit=limit)


@router.post("/threads/{thread_id}/replies", response_model=PostOut, status_code=status.HTTP_201_CREATED,
             dependencies=[rate_limited("reply")])
def create_reply(thread_id: PathId, body: ReplyCreate, actor: CurrentUser, session: SessionDep,
                 idempotency_key: IdempotencyKeyHeader = None) -> PostOut:
    return posts.create_reply(session, actor, thread_id=thread_id, data=body, idempotency_key=idempotency_key)


@router.post("/markdown/preview", response_model=PreviewOut, dependencies=[rate_limited("preview")])
def preview(data: PreviewIn, actor: CurrentUser, session: SessionDep) -> PreviewOut:
    return posts.preview(session, actor, data=data)


@router.get("/posts/{post_id}", response_model=PostOut)
def get_post(post_id: PathId, actor: CurrentUser, session: SessionDep) -> PostOut:
    return posts.get_post(session, actor, post_id=post_id)


@router.patch("/posts/{post_id}", response_model=PostOut)
def update_post(post_id: PathId, body: PostUpdate, actor: CurrentUser, session: SessionDep) -> PostOut:
    return posts.update_post(session, actor, post_id=post_id, body=body.body)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_post(post_id: PathId, actor: CurrentUser, session: SessionDep, reason: Reason = "") -> None:
    posts.delete_post(session, actor, post_id=post_id, reason=reason)


@router.get("/posts/{post_id}/revisions", response_model=list[RevisionOut])
def list_revisions(post_id: PathId, actor: CurrentUser, session: SessionDep) -> list[RevisionOut]:
    return posts.list_revisions(session, actor, post_id=post_id)


@router.put("/posts/{post_id}/reactions/{emoji}", response_model=PostOut)
def add_reaction(post_id: PathId, emoji: str, actor: CurrentUser, session: SessionDep) -> PostOut:
    return posts.set_reaction(session, actor, post_id=post_id, emoji=emoji, on=True)


@router.delete("/posts/{post_id}/reactions/{emoji}", response_model=PostOut)
def remove_reaction(post_id: PathId, emoji: str, actor: CurrentUser, session: SessionDep) -> PostOut:
    return posts.set_reaction(session, actor, post_id=post_id, emoji=emoji, on=False)


@router.post("/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED,
             dependencies=[rate_limited("upload")])
def upload_attachment(file: UploadFile, request: Request, actor: CurrentUser, session: SessionDep,
                      idempotency_key: IdempotencyKeyHeader = None) -> AttachmentOut:
    count_bytes = upload_bytes(request, actor)
    uploaded = attachments.upload_attachment(session, actor, source=file.file, filename=file.filename,
                                             idempotency_key=idempotency_key)
    count_bytes(uploaded.size)  # over this hour's bytes: 429, and the rollback removes the file again
    return uploaded


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut)
def get_attachment(attachment_id: PathId, actor: CurrentUser, session: SessionDep) -> AttachmentOut:
    return attachments.get_attachment(session, actor, attachment_id=attachment_id)


@router.get("/attachments/{attachment_id}/content", response_class=FileResponse)
def download_attachment(attachment_id: PathId, actor: CurrentUser, session: SessionDep) -> FileResponse:
    download = attachments.open_attachment(session, actor, attachment_id=attachment_id)
    return FileResponse(
        download.path, media_type=download.content_type, filename=download.filename,
        content_disposition_type="inline" if download.inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
                 "Content-Security-Policy": "default-src 'none'; sandbox"},
    )
