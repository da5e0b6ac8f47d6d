"""Threads (discussions, questions, motions): start, go live, edit, delete, answer."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access import (
    GroupAction,
    ThreadAction,
    access_channel,
    access_thread,
    check_thread,
)
from app.db import rows_changed, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import (
    Answer,
    DeletedThread,
    ThreadAnswered,
    ThreadCreated,
    ThreadDeleted,
    ThreadUpdated,
    channel_topic,
    group_topic,
    record_event,
    thread_topic,
)
from app.models import (
    Group,
    Post,
    Thread,
    User,
)
from app.models.enums import ThreadKind
from app.schemas.posts import (
    ThreadCreate,
    ThreadDetail,
    ThreadUpdate,
)
from app.services import motions, notifications, questions, screening, search
from app.services.attachments import claim_attachments
from app.services.idempotency import claim_idempotency_key, fingerprint, remember_idempotency_key
from app.services.posts.reading import get_thread, thread_detail, threads_out
from app.services.posts.writing import (
    check_portfolios,
    record_motion_state,
    removed_by_moderator,
    set_co_submitters,
    set_portfolios,
    start_thread,
    store_mentions,
)


def create_thread(session: Session, actor: User, *, channel_id: int, data: ThreadCreate,
                  idempotency_key: str | None = None) -> ThreadDetail:
    access = access_channel(session, actor, channel_id, GroupAction.post)
    request = fingerprint(f"thread:{channel_id}", data.model_dump_json())
    earlier = claim_idempotency_key(session, actor, idempotency_key, request, "thread")
    if earlier is not None:
        return get_thread(session, actor, thread_id=earlier)
    if data.kind == ThreadKind.motion and data.motion is None:
        raise Invalid("A motion needs its motion fields (at least the municipality).", field="motion")
    if data.kind != ThreadKind.motion and data.motion is not None:
        raise Invalid("Only a motion has motion fields.", field="motion")
    if data.based_on_id is not None and data.kind != ThreadKind.motion:
        raise Invalid("Only a motion can be based on another motion.", field="based_on_id")
    if data.based_on_id is not None:
        motions.check_based_on(session, actor, data.based_on_id)
    if data.portfolio_ids and data.kind != ThreadKind.question:
        raise Invalid("Only a question can be addressed to portfolios.", field="portfolio_ids")
    portfolio_ids = check_portfolios(session, data.portfolio_ids)
    if (data.audience_province or data.audience_title) and not portfolio_ids:
        raise Invalid("Choose the portfolios first; province and title only narrow them.", field="portfolio_ids")
    hold = screening.check_new_post(session, actor, group=access.group.group, text=f"{data.title}\n{data.body}")
    now = utcnow()
    actor.last_posted_at = now
    thread, post = start_thread(session, channel=access.channel, author_id=actor.id, kind=data.kind,
                                title=data.title, body=data.body, at=now, held=bool(hold),
                                based_on_id=data.based_on_id, motion=data.motion)
    if data.motion is not None:
        set_co_submitters(session, thread, data.motion.co_submitter_ids, actor.id)
    set_portfolios(session, thread, portfolio_ids)
    claim_attachments(session, actor, post_id=post.id, attachment_ids=data.attachment_ids)
    mentioned = store_mentions(session, post, new=True)
    askees = questions.address_question(session, actor, group=access.group.group, thread=thread,
                                        portfolio_ids=portfolio_ids, province=data.audience_province,
                                        title=data.audience_title)
    remember_idempotency_key(session, actor, idempotency_key, thread.id)
    notifications.took_part(session, actor, thread_id=thread.id, post_id=post.id)
    if hold:
        screening.hold_for_review(session, post=post, group=access.group.group, hold=hold)
    else:
        thread_goes_live(session, actor, group=access.group.group, thread=thread, opening=post,
                          mentioned=mentioned, askees=askees)
    return thread_detail(session, actor, thread, access.group)


def thread_goes_live(session: Session, author: User, *, group: Group, thread: Thread, opening: Post,
                      mentioned: Iterable[int], askees: Iterable[int]) -> None:
    """Others see the thread from now on: tell the open pages, notify who should hear of it."""
    summary = threads_out(session, [thread])[0]
    for topic in (channel_topic(thread.channel_id), group_topic(thread.group_id)):
        record_event(session, ThreadCreated(topic=topic, payload=summary))
    search.index_thread(session, thread)
    notifications.notify_new_thread(session, author, group=group, thread=thread, post=opening,
                                    mentioned=mentioned, askees=askees)


def update_thread(session: Session, actor: User, *, thread_id: int, data: ThreadUpdate) -> ThreadDetail:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    thread = access.thread
    if thread.deleted_at is not None:
        raise NotFound("Thread not found.")
    check_thread(access, actor, ThreadAction.edit)
    if data.title is not None:
        thread.title = data.title
    if data.motion is not None:
        if thread.kind != ThreadKind.motion:
            raise Invalid("Only a motion has motion fields.", field="motion")
        fields = data.motion.model_fields_set
        course = (thread.motion_status, thread.motion_vote_result, thread.motion_date)
        if data.motion.municipality is not None:
            thread.motion_municipality = data.motion.municipality
        if "date" in fields:
            thread.motion_date = data.motion.date
        if data.motion.status is not None:
            thread.motion_status = data.motion.status
        if "vote_result" in fields:
            thread.motion_vote_result = data.motion.vote_result
        if data.motion.co_submitter_ids is not None:
            set_co_submitters(session, thread, data.motion.co_submitter_ids, thread.author_id or actor.id)
        if (thread.motion_status, thread.motion_vote_result, thread.motion_date) != course:
            record_motion_state(session, thread, changed_by_id=actor.id)
    if data.portfolio_ids is not None:
        if thread.kind != ThreadKind.question:
            raise Invalid("Only a question can be addressed to portfolios.", field="portfolio_ids")
        set_portfolios(session, thread, check_portfolios(session, data.portfolio_ids))
    session.flush()
    search.index_thread(session, thread)
    summary = threads_out(session, [thread])[0]
    for topic in (thread_topic(thread.id), channel_topic(thread.channel_id)):
        record_event(session, ThreadUpdated(topic=topic, payload=summary))
    return thread_detail(session, actor, thread, access.group)


def delete_thread(session: Session, actor: User, *, thread_id: int, reason: str = "") -> None:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    thread = access.thread
    if thread.deleted_at is not None:
        raise NotFound("Thread not found.")
    check_thread(access, actor, ThreadAction.delete)
    now = utcnow()
    opening = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    if opening is not None and opening.deleted_at is None:
        screening.withdraw(session, post_id=opening.id)  # first: the order a moderator's decision locks in
    # Only if nobody deleted it a moment ago: two deletions at once are one (one audit entry, one notice).
    if not rows_changed(session, update(Thread).where(Thread.id == thread.id, Thread.deleted_at.is_(None))
                        .values(deleted_at=now).execution_options(synchronize_session=False)):
        raise NotFound("Thread not found.")
    session.refresh(thread)
    search.unindex_thread(session, thread.id)
    if opening is not None and opening.deleted_at is None:
        opening.deleted_at, opening.deleted_by_id = now, actor.id
    deleted = DeletedThread(thread_id=thread.id, channel_id=thread.channel_id, group_id=thread.group_id)
    for topic in (thread_topic(thread.id), channel_topic(thread.channel_id), group_topic(thread.group_id)):
        record_event(session, ThreadDeleted(topic=topic, payload=deleted))
    removed_by_moderator(session, actor, author_id=thread.author_id, group=access.group.group, title=thread.title,
                          reason=reason, target_type="thread", target_id=thread.id)


def set_answer(session: Session, actor: User, *, thread_id: int, post_id: int | None) -> ThreadDetail:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    thread = access.thread
    if thread.kind != ThreadKind.question:
        raise Conflict("Only a question has an answer.")
    check_thread(access, actor, ThreadAction.answer)
    if post_id is not None:
        post = session.get(Post, post_id)
        if post is None or post.thread_id != thread.id or post.is_opening or post.deleted_at is not None:
            raise Invalid("The answer must be a reply in this thread.", field="post_id")
    thread.answer_post_id = post_id
    session.flush()
    record_event(session, ThreadAnswered(topic=thread_topic(thread.id),
                                         payload=Answer(thread_id=thread.id, answer_post_id=post_id)))
    return thread_detail(session, actor, thread, access.group)
