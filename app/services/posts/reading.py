"""Reading threads and posts: the responses (batched: a page of posts costs a fixed number of queries),
thread lists, replies, revisions."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from app.access import (
    GroupAccess,
    GroupAction,
    PostAction,
    ThreadAction,
    access_channel,
    access_group,
    access_post,
    access_thread,
    can_delete_post,
    can_edit_post,
    can_flag_post,
    listed_threads,
    thread_allows,
)
from app.errors import NotFound
from app.models import (
    Attachment,
    Membership,
    Mention,
    ModerationItem,
    MotionCoSubmitter,
    MotionStatusChange,
    Portfolio,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadPortfolio,
    User,
)
from app.models.enums import AudienceStatus, ModerationStatus, ThreadKind
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.posts import (
    MotionChangeOut,
    MotionOut,
    PostOut,
    QuoteOut,
    ReactionCount,
    RevisionOut,
    ThreadDetail,
    ThreadOut,
)
from app.schemas.users import PortfolioOut, UserSummary
from app.services import motions, questions
from app.services.attachments import attachment_out
from app.services.markdown import excerpt
from app.services.views import user_summary, user_summary_or_none, users_by_id


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    return users_by_id(session, ids)


@dataclass
class Related:
    """What a page of posts shows besides the posts themselves, keyed by post (or user) id."""

    quotes: dict[int, Post] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    reactions: dict[int, list[ReactionCount]] = field(default_factory=dict)
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)
    mentions: dict[int, list[str]] = field(default_factory=dict)
    held_reasons: dict[int, list[str]] = field(default_factory=dict)  # why a held post waits


def _load_related(session: Session, actor: User, posts: Sequence[Post]) -> Related:
    ids = [p.id for p in posts]
    quote_ids = {p.quote_post_id for p in posts if p.quote_post_id}
    quotes = {q.id: q for q in session.scalars(select(Post).where(Post.id.in_(quote_ids)))} if quote_ids else {}
    related = Related(quotes=quotes, users=_users(session, {p.author_id for p in posts if p.author_id}
                                                   | {q.author_id for q in quotes.values() if q.author_id}))
    held = [p.id for p in posts if p.held_at is not None]
    if held:
        related.held_reasons = {post_id: list(reasons) for post_id, reasons in session.execute(
            select(ModerationItem.post_id, ModerationItem.reasons)
            .where(ModerationItem.post_id.in_(held), ModerationItem.status == ModerationStatus.pending))}
    mine_expr = func.max(case((Reaction.user_id == actor.id, 1), else_=0))
    for post_id, emoji, count, mine in session.execute(
        select(Reaction.post_id, Reaction.emoji, func.count(), mine_expr)
        .where(Reaction.post_id.in_(ids)).group_by(Reaction.post_id, Reaction.emoji)
        .order_by(Reaction.post_id, func.min(Reaction.id))
    ):
        related.reactions.setdefault(post_id, []).append(ReactionCount(emoji=emoji, count=count, mine=bool(mine)))
    for attachment in session.scalars(select(Attachment).where(Attachment.post_id.in_(ids)).order_by(Attachment.id)):
        assert attachment.post_id is not None
        related.attachments.setdefault(attachment.post_id, []).append(attachment)
    for post_id, username in session.execute(
        select(Mention.post_id, User.username).join(User, User.id == Mention.user_id).where(Mention.post_id.in_(ids))
    ):
        related.mentions.setdefault(post_id, []).append(username)
    return related


def posts_out(session: Session, actor: User, posts: Sequence[Post], thread: Thread, access: GroupAccess,
               related: Related | None = None) -> list[PostOut]:
    """Posts as `actor` sees them. A caller that already holds everything related passes it: no queries."""
    if not posts:
        return []
    if related is None:
        related = _load_related(session, actor, posts)
    users = related.users
    moderator = access.allows(GroupAction.moderate)
    out = []
    for post in posts:
        deleted = post.deleted_at is not None
        quote = related.quotes.get(post.quote_post_id) if post.quote_post_id else None
        own = post.author_id == actor.id
        out.append(PostOut(
            id=post.id, thread_id=post.thread_id, is_opening=post.is_opening,
            author=user_summary_or_none(users.get(post.author_id) if post.author_id else None),
            body="" if deleted else post.body, body_html="" if deleted else post.body_html,
            created_at=post.created_at, edited_at=post.edited_at, deleted=deleted,
            quote=QuoteOut(
                post_id=quote.id, author=user_summary_or_none(users.get(quote.author_id) if quote.author_id else None),
                excerpt="" if quote.deleted_at else excerpt(quote.body),
            ) if quote else None,
            reactions=[] if deleted else related.reactions.get(post.id, []),
            attachments=[] if deleted else [attachment_out(a) for a in related.attachments.get(post.id, [])],
            mentions=sorted(related.mentions.get(post.id, [])),
            is_answer=thread.answer_post_id == post.id, held=post.held_at is not None,
            # Why it waits, for whoever sees it waiting: its author and the moderators.
            held_reasons=related.held_reasons.get(post.id, []) if own or moderator else [],
            can_edit=can_edit_post(own=own, moderator=moderator, member=access.is_member, deleted=deleted),
            can_delete=can_delete_post(own=own, moderator=moderator, deleted=deleted),
            can_moderate=moderator,
            can_flag=can_flag_post(own=own, deleted=deleted),
        ))
    return out


def new_post_related(session: Session, actor: User, post: Post, *, quoted: Post | None,
                      attachments: list[Attachment], mentions: list[str]) -> Related:
    """A post written a moment ago has no reactions yet, and its writer knows the rest."""
    users = {actor.id: actor}
    if quoted is not None and quoted.author_id and quoted.author_id not in users:
        author = session.get(User, quoted.author_id)
        if author is not None:
            users[author.id] = author
    return Related(quotes={quoted.id: quoted} if quoted is not None else {}, users=users,
                    attachments={post.id: attachments}, mentions={post.id: mentions})


def threads_out(session: Session, threads: Sequence[Thread]) -> list[ThreadOut]:
    ids = [t.id for t in threads]
    if not ids:
        return []
    openings = {p.thread_id: p for p in session.scalars(
        select(Post).where(Post.thread_id.in_(ids), Post.is_opening.is_(True)))}
    co_submitters: dict[int, list[int]] = defaultdict(list)
    for thread_id, user_id in session.execute(
        select(MotionCoSubmitter.thread_id, MotionCoSubmitter.user_id).where(MotionCoSubmitter.thread_id.in_(ids))
    ):
        co_submitters[thread_id].append(user_id)
    portfolios: dict[int, list[PortfolioOut]] = defaultdict(list)
    for thread_id, portfolio in session.execute(
        select(ThreadPortfolio.thread_id, Portfolio).join(Portfolio, Portfolio.id == ThreadPortfolio.portfolio_id)
        .where(ThreadPortfolio.thread_id.in_(ids)).order_by(Portfolio.name)
    ):
        portfolios[thread_id].append(PortfolioOut.model_validate(portfolio))
    users = _users(session, {t.author_id for t in threads if t.author_id}
                   | {u for ids_ in co_submitters.values() for u in ids_})
    out = []
    for thread in threads:
        opening = openings.get(thread.id)
        deleted = thread.deleted_at is not None
        motion = None
        if thread.kind == ThreadKind.motion:
            motion = MotionOut(
                municipality=thread.motion_municipality, date=thread.motion_date, status=thread.motion_status,
                vote_result=thread.motion_vote_result,
                co_submitters=[user_summary(users[u]) for u in sorted(co_submitters[thread.id]) if u in users],
            )
        out.append(ThreadOut(
            id=thread.id, group_id=thread.group_id, channel_id=thread.channel_id, kind=thread.kind,
            title=thread.title, author=user_summary_or_none(users.get(thread.author_id) if thread.author_id else None),
            created_at=thread.created_at, last_activity_at=thread.last_activity_at, reply_count=thread.reply_count,
            deleted=deleted, answer_post_id=thread.answer_post_id, motion=motion, held=thread.held_at is not None,
            portfolios=portfolios.get(thread.id, []), audience=questions.audience_out(thread),
            excerpt="" if deleted or opening is None or opening.deleted_at else excerpt(opening.body),
        ))
    return out


def _motion_history(session: Session, thread_id: int) -> list[MotionChangeOut]:
    changes = list(session.scalars(select(MotionStatusChange).where(MotionStatusChange.thread_id == thread_id)
                                   .order_by(MotionStatusChange.changed_at, MotionStatusChange.id)))
    people = _users(session, {c.changed_by_id for c in changes if c.changed_by_id is not None})
    return [MotionChangeOut(status=c.status, vote_result=c.vote_result, date=c.decided_on,
                            changed_by=user_summary_or_none(people.get(c.changed_by_id) if c.changed_by_id else None),
                            changed_at=c.changed_at) for c in changes]


def thread_detail(session: Session, actor: User, thread: Thread, access: GroupAccess) -> ThreadDetail:
    opening = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    assert opening is not None
    summary = threads_out(session, [thread])[0]
    post_out = posts_out(session, actor, [opening], thread, access)[0]
    based_on, reused_in = motions.links(session, actor, thread) if thread.kind == ThreadKind.motion else (None, [])
    answered_by: list[UserSummary] = []
    if thread.kind == ThreadKind.question:
        ids = [i for i in session.scalars(
            select(Post.author_id).where(
                Post.thread_id == thread.id, Post.is_opening.is_(False), Post.deleted_at.is_(None),
                Post.held_at.is_(None), Post.author_id.is_not(None), Post.author_id != thread.author_id)
            .group_by(Post.author_id).order_by(func.min(Post.id))) if i is not None]
        people = _users(session, set(ids))
        answered_by = [user_summary(people[i]) for i in ids if i in people]
    history = _motion_history(session, thread.id) if thread.kind == ThreadKind.motion else []
    may_answer = thread.kind == ThreadKind.question and thread_allows(
        ThreadAction.answer, own=thread.author_id == actor.id, moderator=access.allows(GroupAction.moderate),
        member=access.is_member, deleted=thread.deleted_at is not None)
    return ThreadDetail(**summary.model_dump(), opening_post=post_out, can_edit=post_out.can_edit,
                        can_mark_answer=may_answer, motion_history=history,
                        based_on=based_on, reused_in=reused_in, answered_by=answered_by)


def neutral(post: PostOut) -> PostOut:
    """Everyone's view of a post, from one viewer's: without what depends on her."""
    return post.model_copy(update={
        "can_edit": False, "can_delete": False, "can_moderate": False, "can_flag": False, "held_reasons": [],
        "reactions": [r.model_copy(update={"mine": False}) for r in post.reactions],
    })


def get_thread(session: Session, actor: User, *, thread_id: int) -> ThreadDetail:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    return thread_detail(session, actor, access.thread, access.group)


def _list_threads(session: Session, actor: User, where: list[ColumnElement[bool]], *, kind: ThreadKind | None,
                  cursor: str | None, limit: int | None) -> Page[ThreadOut]:
    n = clamp_limit(limit)
    # A thread waiting for a moderator is listed for its author only (moderators find it in the queue).
    stmt = select(Thread).where(*where, listed_threads(actor))
    if kind is not None:
        stmt = stmt.where(Thread.kind == kind.value)
    stmt = keyset(stmt, (Thread.last_activity_at, Thread.id), cursor, descending=True, types=(datetime, int))
    threads = list(session.scalars(stmt.limit(n + 1)))
    page = threads[:n]
    next_cursor = encode_cursor(page[-1].last_activity_at, page[-1].id) if len(threads) > n else None
    return Page(items=threads_out(session, page), next_cursor=next_cursor)


def list_channel_threads(session: Session, actor: User, *, channel_id: int, kind: ThreadKind | None = None,
                         cursor: str | None = None, limit: int | None = None) -> Page[ThreadOut]:
    access_channel(session, actor, channel_id, GroupAction.read)
    return _list_threads(session, actor, [Thread.channel_id == channel_id], kind=kind, cursor=cursor, limit=limit)


def list_group_threads(session: Session, actor: User, *, group_id: int, kind: ThreadKind | None = None,
                       cursor: str | None = None, limit: int | None = None) -> Page[ThreadOut]:
    access_group(session, actor, group_id, GroupAction.read)
    return _list_threads(session, actor, [Thread.group_id == group_id], kind=kind, cursor=cursor, limit=limit)


def list_my_activity(session: Session, actor: User, *, cursor: str | None = None,
                     limit: int | None = None) -> Page[ThreadOut]:
    """The threads of the actor's own groups, most recently active first: her home page."""
    in_my_groups = Thread.group_id.in_(
        select(Membership.group_id).where(Membership.user_id == actor.id).scalar_subquery())
    return _list_threads(session, actor, [in_my_groups], kind=None, cursor=cursor, limit=limit)


def list_pending_questions(session: Session, actor: User, *, cursor: str | None = None,
                           limit: int | None = None) -> Page[ThreadOut]:
    """Questions to portfolios waiting for the community manager, most recent first."""
    questions.check_decider(actor)
    return _list_threads(session, actor, [Thread.audience_status == AudienceStatus.pending], kind=None,
                         cursor=cursor, limit=limit)


def list_replies(session: Session, actor: User, *, thread_id: int, cursor: str | None = None,
                 limit: int | None = None) -> Page[PostOut]:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    n = clamp_limit(limit)
    visible = select(Post).where(Post.thread_id == thread_id, Post.is_opening.is_(False))
    if not access.group.allows(GroupAction.moderate):
        visible = visible.where(or_(Post.held_at.is_(None), Post.author_id == actor.id))
    stmt = keyset(visible, (Post.id,), cursor, descending=False, types=(int,))
    posts = list(session.scalars(stmt.limit(n + 1)))
    page = posts[:n]
    return Page(items=posts_out(session, actor, page, access.thread, access.group),
                next_cursor=encode_cursor(page[-1].id) if len(posts) > n else None)


def get_post(session: Session, actor: User, *, post_id: int) -> PostOut:
    access = access_post(session, actor, post_id, PostAction.read)
    return posts_out(session, actor, [access.post], access.thread, access.group)[0]


def list_revisions(session: Session, actor: User, *, post_id: int) -> list[RevisionOut]:
    access = access_post(session, actor, post_id, PostAction.read)
    if access.post.deleted_at is not None:
        raise NotFound("Post not found.")
    revisions = list(session.scalars(
        select(PostRevision).where(PostRevision.post_id == post_id).order_by(PostRevision.id.desc())))
    users = _users(session, {r.editor_id for r in revisions if r.editor_id})
    return [RevisionOut(id=r.id, body=r.body, editor=user_summary_or_none(users.get(r.editor_id) if r.editor_id
                                                                           else None), created_at=r.created_at)
            for r in revisions]
