"""What every way of writing a post shares: starting a thread (the one place a thread and its opening post
are made: members, article comments and the demo data), mentions, a motion's co-submitters, a question's
portfolios, changing a post's text, telling an author a moderator removed her post."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.access import (
    GroupAccess,
)
from app.db import upsert, utcnow
from app.errors import Invalid
from app.events import (
    PostUpdated,
    record_event,
    thread_topic,
)
from app.models import (
    Channel,
    Group,
    Mention,
    MotionCoSubmitter,
    MotionStatusChange,
    Portfolio,
    Post,
    PostRevision,
    Thread,
    ThreadPortfolio,
    User,
)
from app.models.enums import AuditAction, NotificationKind, ThreadKind
from app.schemas.posts import MotionIn
from app.services import audit, notifications, search
from app.services.markdown import mentions_in, render_markdown
from app.services.posts.reading import neutral, posts_out


def start_thread(session: Session, *, channel: Channel, author_id: int | None, kind: ThreadKind, title: str,
                 body: str, at: datetime, held: bool = False, based_on_id: int | None = None,
                 motion: MotionIn | None = None) -> tuple[Thread, Post]:
    """Insert a thread and its opening post (markdown rendered and sanitised), both written `at`. Nothing goes
    live here: events, counts, mentions and notifications are the caller's, who knows whether it is held."""
    thread = Thread(group_id=channel.group_id, channel_id=channel.id, author_id=author_id, kind=kind, title=title,
                    created_at=at, last_activity_at=at, held_at=at if held else None, based_on_id=based_on_id)
    if motion is not None:  # its co-submitters need the thread's id: the caller's too
        thread.motion_municipality = motion.municipality
        thread.motion_date = motion.date
        thread.motion_status = motion.status
        thread.motion_vote_result = motion.vote_result
    session.add(thread)
    session.flush()
    if motion is not None:
        record_motion_state(session, thread, changed_by_id=author_id, at=at)
    opening = Post(thread_id=thread.id, author_id=author_id, is_opening=True, body=body,
                   body_html=render_markdown(body), created_at=at, held_at=thread.held_at)
    session.add(opening)
    session.flush()
    return thread, opening


def record_motion_state(session: Session, thread: Thread, *, changed_by_id: int | None,
                        at: datetime | None = None) -> None:
    """The motion's state now (status, vote, date) joins its course."""
    if thread.motion_status is None:
        return
    session.add(MotionStatusChange(thread_id=thread.id, status=thread.motion_status,
                                   vote_result=thread.motion_vote_result, decided_on=thread.motion_date,
                                   changed_by_id=changed_by_id, changed_at=at or utcnow()))


def store_mentions(session: Session, post: Post, *, new: bool) -> dict[int, str]:
    """Store who the post mentions (active members by username); returns them, id → username."""
    if not new:  # an edit replaces the mentions the earlier text had
        session.execute(delete(Mention).where(Mention.post_id == post.id))
    names = mentions_in(post.body_html)
    found: dict[int, str] = {}
    if names:
        for user_id, username in session.execute(
                select(User.id, User.username).where(User.username.in_(names), User.is_active.is_(True))):
            found[user_id] = username
    session.flush()
    # Two edits of one post at once both replace its mentions: the primary key decides, neither fails.
    upsert(session, Mention, [{"post_id": post.id, "user_id": user_id} for user_id in found],
           index_elements=["post_id", "user_id"])
    return found


def check_portfolios(session: Session, portfolio_ids: list[int]) -> list[int]:
    unique = sorted(set(portfolio_ids))
    found = set(session.scalars(select(Portfolio.id).where(Portfolio.id.in_(unique)))) if unique else set()
    missing = [p for p in unique if p not in found]
    if missing:
        raise Invalid("Unknown portfolio id(s): %(ids)s.", field="portfolio_ids", params={"ids": missing})
    return unique


def set_co_submitters(session: Session, thread: Thread, user_ids: list[int], author_id: int) -> None:
    unique = sorted(set(user_ids) - {author_id})
    found = set(session.scalars(select(User.id).where(User.id.in_(unique), User.is_active.is_(True)))) \
        if unique else set()
    missing = [u for u in unique if u not in found]
    if missing:
        raise Invalid("Unknown member id(s): %(ids)s.", field="motion.co_submitter_ids", params={"ids": missing})
    session.execute(delete(MotionCoSubmitter).where(MotionCoSubmitter.thread_id == thread.id))
    upsert(session, MotionCoSubmitter, [{"thread_id": thread.id, "user_id": user_id} for user_id in unique],
           index_elements=["thread_id", "user_id"])


def set_portfolios(session: Session, thread: Thread, portfolio_ids: list[int]) -> None:
    session.execute(delete(ThreadPortfolio).where(ThreadPortfolio.thread_id == thread.id))
    upsert(session, ThreadPortfolio, [{"thread_id": thread.id, "portfolio_id": p} for p in portfolio_ids],
           index_elements=["thread_id", "portfolio_id"])


def edit_body(session: Session, editor: User, *, post: Post, thread: Thread, group: GroupAccess, body: str) -> None:
    """Change a post's text (its author, or a moderator): revision, mentions, and — if others see it — the
    live update and the newly mentioned. A held post changes quietly: nobody else sees it yet."""
    session.add(PostRevision(post_id=post.id, body=post.body, editor_id=editor.id))
    before = set(session.scalars(select(Mention.user_id).where(Mention.post_id == post.id)))
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    session.flush()
    added = set(store_mentions(session, post, new=False)) - before
    search.index_post(session, post, thread)  # a post held again by the edit leaves the index
    if post.held_at is not None:
        return
    shown = posts_out(session, editor, [post], thread, group)[0]
    record_event(session, PostUpdated(topic=thread_topic(post.thread_id), payload=neutral(shown)))
    notifications.notify_mentions_added(session, editor, group=group.group, thread=thread, post=post,
                                        mentioned=added)


def removed_by_moderator(session: Session, actor: User, *, author_id: int | None, group: Group, title: str,
                          reason: str, target_type: str, target_id: int) -> None:
    """Someone else's post was removed: it goes in the audit log and she hears why (her own deletions are silent)."""
    if author_id is None or author_id == actor.id:
        return
    audit.record(session, actor, AuditAction(f"{target_type}.removed"), target_type=target_type, target_id=target_id,
                 group_id=group.id, after={"reason": reason})
    tell_author_of_removal(session, actor, author_id=author_id, group=group, title=title, reason=reason,
                           key=f"{target_type}:{target_id}:removed")


def tell_author_of_removal(session: Session, actor: User, *, author_id: int, group: Group, title: str, reason: str,
                           key: str) -> None:
    """The author's notice that a moderator removed her post, with the thread's title and the reason."""
    notifications.notify_member(session, actor, user_id=author_id, kind=NotificationKind.moderation, group=group,
                                group_key=key, detail=f"{title}\n{reason}".strip())
