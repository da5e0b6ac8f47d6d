"""Threads (discussions, questions, motions) and their posts: create, read, edit, delete, react, answer."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, delete, func, or_, select, update
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
    check_thread,
    group_access,
    listed_threads,
)
from app.db import upsert, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import (
    Activity,
    Answer,
    DeletedThread,
    PostCreated,
    PostDeleted,
    PostRef,
    PostUpdated,
    ReactionChanged,
    Reactions,
    ThreadActivity,
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
    Attachment,
    Group,
    Membership,
    Mention,
    MotionCoSubmitter,
    Portfolio,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadPortfolio,
    User,
)
from app.models.enums import REACTIONS, AudienceStatus, NotificationKind, ThreadKind
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.posts import (
    MotionOut,
    PostOut,
    PreviewIn,
    PreviewOut,
    QuoteOut,
    ReactionCount,
    ReplyCreate,
    RevisionOut,
    ThreadCreate,
    ThreadDetail,
    ThreadOut,
    ThreadUpdate,
)
from app.schemas.users import PortfolioOut, UserSummary
from app.services import audit, motions, notifications, questions, screening, search
from app.services.attachments import attachment_out, claim_attachments
from app.services.idempotency import claim_idempotency_key, fingerprint, remember_idempotency_key
from app.services.markdown import excerpt, find_mentions, render_markdown
from app.services.views import user_summary, user_summary_or_none, users_by_id

# --- building the responses (batched: a page of posts costs a fixed number of queries) ------------


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    return users_by_id(session, ids)


@dataclass
class _Related:
    """What a page of posts shows besides the posts themselves, keyed by post (or user) id."""

    quotes: dict[int, Post] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    reactions: dict[int, list[ReactionCount]] = field(default_factory=dict)
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)
    mentions: dict[int, list[str]] = field(default_factory=dict)


def _load_related(session: Session, actor: User, posts: Sequence[Post]) -> _Related:
    ids = [p.id for p in posts]
    quote_ids = {p.quote_post_id for p in posts if p.quote_post_id}
    quotes = {q.id: q for q in session.scalars(select(Post).where(Post.id.in_(quote_ids)))} if quote_ids else {}
    related = _Related(quotes=quotes, users=_users(session, {p.author_id for p in posts if p.author_id}
                                                   | {q.author_id for q in quotes.values() if q.author_id}))
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


def _posts_out(session: Session, actor: User, posts: Sequence[Post], thread: Thread, access: GroupAccess,
               related: _Related | None = None) -> list[PostOut]:
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
            can_edit=can_edit_post(own=own, moderator=moderator, member=access.is_member, deleted=deleted),
            can_delete=can_delete_post(own=own, moderator=moderator, deleted=deleted),
            can_moderate=moderator,
            can_flag=can_flag_post(own=own, deleted=deleted),
        ))
    return out


def _new_post_related(session: Session, actor: User, post: Post, *, quoted: Post | None,
                      attachments: list[Attachment], mentions: list[str]) -> _Related:
    """A post written a moment ago has no reactions yet, and its writer knows the rest."""
    users = {actor.id: actor}
    if quoted is not None and quoted.author_id and quoted.author_id not in users:
        author = session.get(User, quoted.author_id)
        if author is not None:
            users[author.id] = author
    return _Related(quotes={quoted.id: quoted} if quoted is not None else {}, users=users,
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


def _thread_detail(session: Session, actor: User, thread: Thread, access: GroupAccess) -> ThreadDetail:
    opening = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    assert opening is not None
    summary = threads_out(session, [thread])[0]
    post_out = _posts_out(session, actor, [opening], thread, access)[0]
    based_on, reused_in = motions.links(session, actor, thread) if thread.kind == ThreadKind.motion else (None, [])
    answered_by: list[UserSummary] = []
    if thread.kind == ThreadKind.question:
        ids = list(session.scalars(
            select(Post.author_id).where(
                Post.thread_id == thread.id, Post.is_opening.is_(False), Post.deleted_at.is_(None),
                Post.held_at.is_(None), Post.author_id.is_not(None), Post.author_id != thread.author_id)
            .group_by(Post.author_id).order_by(func.min(Post.id))))
        people = _users(session, set(ids))
        answered_by = [user_summary(people[i]) for i in ids if i in people]
    return ThreadDetail(**summary.model_dump(), opening_post=post_out, can_edit=post_out.can_edit,
                        based_on=based_on, reused_in=reused_in, answered_by=answered_by)


def _neutral(post: PostOut) -> PostOut:
    """Everyone's view of a post, from one viewer's: without what depends on her."""
    return post.model_copy(update={
        "can_edit": False, "can_delete": False, "can_moderate": False, "can_flag": False,
        "reactions": [r.model_copy(update={"mine": False}) for r in post.reactions],
    })


# --- writing helpers -----------------------------------------------------------------------------


def _store_mentions(session: Session, post: Post, *, new: bool) -> dict[int, str]:
    """Store who the post mentions (active members by username); returns them, id → username."""
    if not new:  # an edit replaces the mentions the earlier text had
        session.execute(delete(Mention).where(Mention.post_id == post.id))
    names = find_mentions(post.body)
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


def _check_portfolios(session: Session, portfolio_ids: list[int]) -> list[int]:
    unique = sorted(set(portfolio_ids))
    found = set(session.scalars(select(Portfolio.id).where(Portfolio.id.in_(unique)))) if unique else set()
    missing = [p for p in unique if p not in found]
    if missing:
        raise Invalid(f"Unknown portfolio id(s): {', '.join(map(str, missing))}.", field="portfolio_ids")
    return unique


def _set_co_submitters(session: Session, thread: Thread, user_ids: list[int], author_id: int) -> None:
    unique = sorted(set(user_ids) - {author_id})
    found = set(session.scalars(select(User.id).where(User.id.in_(unique), User.is_active.is_(True)))) \
        if unique else set()
    missing = [u for u in unique if u not in found]
    if missing:
        raise Invalid(f"Unknown member id(s): {', '.join(map(str, missing))}.", field="motion.co_submitter_ids")
    session.execute(delete(MotionCoSubmitter).where(MotionCoSubmitter.thread_id == thread.id))
    upsert(session, MotionCoSubmitter, [{"thread_id": thread.id, "user_id": user_id} for user_id in unique],
           index_elements=["thread_id", "user_id"])


def _set_portfolios(session: Session, thread: Thread, portfolio_ids: list[int]) -> None:
    session.execute(delete(ThreadPortfolio).where(ThreadPortfolio.thread_id == thread.id))
    upsert(session, ThreadPortfolio, [{"thread_id": thread.id, "portfolio_id": p} for p in portfolio_ids],
           index_elements=["thread_id", "portfolio_id"])


# --- threads -------------------------------------------------------------------------------------


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
    portfolio_ids = _check_portfolios(session, data.portfolio_ids)
    if (data.audience_province or data.audience_title) and not portfolio_ids:
        raise Invalid("Choose the portfolios first; province and title only narrow them.", field="portfolio_ids")
    hold = screening.check_new_post(session, actor, group=access.group.group, text=f"{data.title}\n{data.body}")
    now = utcnow()
    actor.last_posted_at = now
    thread = Thread(
        group_id=access.channel.group_id, channel_id=access.channel.id, author_id=actor.id, kind=data.kind.value,
        title=data.title, created_at=now, last_activity_at=now, held_at=now if hold else None,
        based_on_id=data.based_on_id,
    )
    if data.motion is not None:
        thread.motion_municipality = data.motion.municipality
        thread.motion_date = data.motion.date
        thread.motion_status = data.motion.status.value
        thread.motion_vote_result = data.motion.vote_result
    session.add(thread)
    session.flush()
    if data.motion is not None:
        _set_co_submitters(session, thread, data.motion.co_submitter_ids, actor.id)
    _set_portfolios(session, thread, portfolio_ids)
    post = Post(thread_id=thread.id, author_id=actor.id, is_opening=True, body=data.body,
                body_html=render_markdown(data.body), created_at=now, held_at=thread.held_at)
    session.add(post)
    session.flush()
    claim_attachments(session, actor, post_id=post.id, attachment_ids=data.attachment_ids)
    mentioned = _store_mentions(session, post, new=True)
    askees = questions.address_question(session, actor, group=access.group.group, thread=thread,
                                        portfolio_ids=portfolio_ids, province=data.audience_province,
                                        title=data.audience_title)
    remember_idempotency_key(session, actor, idempotency_key, thread.id)
    notifications.took_part(session, actor, thread_id=thread.id, post_id=post.id)
    if hold:
        screening.hold_for_review(session, post=post, group=access.group.group, hold=hold)
    else:
        _thread_goes_live(session, actor, group=access.group.group, thread=thread, opening=post,
                          mentioned=mentioned, askees=askees)
    return _thread_detail(session, actor, thread, access.group)


def _thread_goes_live(session: Session, author: User, *, group: Group, thread: Thread, opening: Post,
                      mentioned: Iterable[int], askees: Iterable[int]) -> None:
    """Others see the thread from now on: tell the open pages, notify who should hear of it."""
    summary = threads_out(session, [thread])[0]
    for topic in (channel_topic(thread.channel_id), group_topic(thread.group_id)):
        record_event(session, ThreadCreated(topic=topic, payload=summary))
    search.index_thread(session, thread)
    notifications.notify_new_thread(session, author, group=group, thread=thread, post=opening,
                                    mentioned=mentioned, askees=askees)


def get_thread(session: Session, actor: User, *, thread_id: int) -> ThreadDetail:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    return _thread_detail(session, actor, access.thread, access.group)


def _list_threads(session: Session, actor: User, where: list, *, kind: ThreadKind | None, cursor: str | None,
                  limit: int | None) -> Page[ThreadOut]:
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
        if data.motion.municipality is not None:
            thread.motion_municipality = data.motion.municipality
        if "date" in fields:
            thread.motion_date = data.motion.date
        if data.motion.status is not None:
            thread.motion_status = data.motion.status.value
        if "vote_result" in fields:
            thread.motion_vote_result = data.motion.vote_result
        if data.motion.co_submitter_ids is not None:
            _set_co_submitters(session, thread, data.motion.co_submitter_ids, thread.author_id or actor.id)
    if data.portfolio_ids is not None:
        if thread.kind != ThreadKind.question:
            raise Invalid("Only a question can be addressed to portfolios.", field="portfolio_ids")
        _set_portfolios(session, thread, _check_portfolios(session, data.portfolio_ids))
    session.flush()
    search.index_thread(session, thread)
    summary = threads_out(session, [thread])[0]
    for topic in (thread_topic(thread.id), channel_topic(thread.channel_id)):
        record_event(session, ThreadUpdated(topic=topic, payload=summary))
    return _thread_detail(session, actor, thread, access.group)


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
    if not session.execute(update(Thread).where(Thread.id == thread.id, Thread.deleted_at.is_(None))
                           .values(deleted_at=now).execution_options(synchronize_session=False)).rowcount:
        raise NotFound("Thread not found.")
    session.refresh(thread)
    search.unindex_thread(session, thread.id)
    if opening is not None and opening.deleted_at is None:
        opening.deleted_at, opening.deleted_by_id = now, actor.id
    deleted = DeletedThread(thread_id=thread.id, channel_id=thread.channel_id, group_id=thread.group_id)
    for topic in (thread_topic(thread.id), channel_topic(thread.channel_id), group_topic(thread.group_id)):
        record_event(session, ThreadDeleted(topic=topic, payload=deleted))
    _removed_by_moderator(session, actor, author_id=thread.author_id, group=access.group.group, title=thread.title,
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
    return _thread_detail(session, actor, thread, access.group)


# --- replies and posts ---------------------------------------------------------------------------


def create_reply(session: Session, actor: User, *, thread_id: int, data: ReplyCreate,
                 idempotency_key: str | None = None) -> PostOut:
    access = access_thread(session, actor, thread_id, GroupAction.post)
    thread = access.thread
    if thread.deleted_at is not None:
        raise NotFound("Thread not found.")
    if access.channel.archived_at is not None:
        raise Conflict("This channel is archived; nothing new can be posted in it.")
    if thread.held_at is not None:
        raise Conflict("This thread waits for a moderator; replies are possible once it is approved.")
    request = fingerprint(f"reply:{thread_id}", data.model_dump_json())
    earlier = claim_idempotency_key(session, actor, idempotency_key, request, "post")
    if earlier is not None:
        return get_post(session, actor, post_id=earlier)
    quoted = None
    if data.quote_post_id is not None:
        quoted = session.get(Post, data.quote_post_id)
        if quoted is None or quoted.thread_id != thread.id or quoted.deleted_at is not None:
            raise Invalid("You can only quote a post in this thread.", field="quote_post_id")
    hold = screening.check_new_post(session, actor, group=access.group.group, text=data.body)
    now = utcnow()
    actor.last_posted_at = now
    post = Post(thread_id=thread.id, author_id=actor.id, body=data.body, body_html=render_markdown(data.body),
                quote_post_id=data.quote_post_id, created_at=now, held_at=now if hold else None)
    session.add(post)
    session.flush()
    attached = claim_attachments(session, actor, post_id=post.id, attachment_ids=data.attachment_ids)
    mentioned = _store_mentions(session, post, new=True)
    remember_idempotency_key(session, actor, idempotency_key, post.id)
    notifications.took_part(session, actor, thread_id=thread.id, post_id=post.id)
    related = _new_post_related(session, actor, post, quoted=quoted, attachments=attached,
                                mentions=list(mentioned.values()))
    if hold:
        screening.hold_for_review(session, post=post, group=access.group.group, hold=hold)
        return _posts_out(session, actor, [post], thread, access.group, related)[0]
    mine = _posts_out(session, actor, [post], thread, access.group, related)[0]
    _reply_goes_live(session, actor, group=access.group.group, thread=thread, post=post, shown=mine,
                     quoted_author_id=quoted.author_id if quoted else None, mentioned=mentioned)
    return mine


def _reply_goes_live(session: Session, author: User, *, group: Group, thread: Thread, post: Post, shown: PostOut,
                     quoted_author_id: int | None, mentioned: Iterable[int]) -> None:
    """The reply counts from now on: the open pages, the thread's activity, who should hear of it."""
    record_event(session, PostCreated(topic=thread_topic(thread.id), payload=_neutral(shown)))
    now = utcnow()
    # In SQL, not read-modify-write: replies written at the same moment must all count (PostgreSQL lost some).
    thread.reply_count = Thread.reply_count + 1  # type: ignore[assignment]
    thread.last_activity_at = now
    session.flush()
    record_event(session, ThreadActivity(topic=channel_topic(thread.channel_id), payload=Activity(
        thread_id=thread.id, reply_count=thread.reply_count, last_activity_at=now, post_id=post.id)))
    search.index_post(session, post, thread)
    notifications.notify_reply(session, author, group=group, thread=thread, post=post,
                               quoted_author_id=quoted_author_id, mentioned=mentioned)


def publish_held(session: Session, moderator: User, *, post: Post) -> None:
    """A moderator approved a held post: it goes live as if it had just been posted, under its author's name."""
    thread = session.get(Thread, post.thread_id)
    assert thread is not None
    author = session.get(User, post.author_id) if post.author_id else None
    access = group_access(session, author or moderator, session.get(Group, thread.group_id))  # type: ignore[arg-type]
    mentioned = list(session.scalars(select(Mention.user_id).where(Mention.post_id == post.id)))
    post.held_at = None
    if post.is_opening:
        thread.held_at = None
        sent = thread.audience_status == AudienceStatus.sent
        askees = questions.current_askees(session, access.group, thread) if sent else []
        _thread_goes_live(session, author or moderator, group=access.group, thread=thread, opening=post,
                          mentioned=mentioned, askees=askees)
        return
    quoted = session.get(Post, post.quote_post_id) if post.quote_post_id else None
    shown = _posts_out(session, author or moderator, [post], thread, access)[0]
    _reply_goes_live(session, author or moderator, group=access.group, thread=thread, post=post, shown=shown,
                     quoted_author_id=quoted.author_id if quoted else None, mentioned=mentioned)


def preview(_session: Session, _actor: User, *, data: PreviewIn) -> PreviewOut:
    """What a post will look like: the same markdown and sanitiser as a stored post."""
    return PreviewOut(html=render_markdown(data.body))


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
    return Page(items=_posts_out(session, actor, page, access.thread, access.group),
                next_cursor=encode_cursor(page[-1].id) if len(posts) > n else None)


def get_post(session: Session, actor: User, *, post_id: int) -> PostOut:
    access = access_post(session, actor, post_id, PostAction.read)
    return _posts_out(session, actor, [access.post], access.thread, access.group)[0]


def update_post(session: Session, actor: User, *, post_id: int, body: str) -> PostOut:
    access = access_post(session, actor, post_id, PostAction.edit)
    post = access.post
    if body == post.body:
        return _posts_out(session, actor, [post], access.thread, access.group)[0]
    screening.check_edit(session, actor, post=post, group=access.group.group, text=body)
    edit_body(session, actor, post=post, thread=access.thread, group=access.group, body=body)
    return _posts_out(session, actor, [post], access.thread, access.group)[0]


def edit_body(session: Session, editor: User, *, post: Post, thread: Thread, group: GroupAccess, body: str) -> None:
    """Change a post's text (its author, or a moderator): revision, mentions, and — if others see it — the
    live update and the newly mentioned. A held post changes quietly: nobody else sees it yet."""
    session.add(PostRevision(post_id=post.id, body=post.body, editor_id=editor.id))
    before = set(session.scalars(select(Mention.user_id).where(Mention.post_id == post.id)))
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    session.flush()
    added = set(_store_mentions(session, post, new=False)) - before
    search.index_post(session, post, thread)  # a post held again by the edit leaves the index
    if post.held_at is not None:
        return
    shown = _posts_out(session, editor, [post], thread, group)[0]
    record_event(session, PostUpdated(topic=thread_topic(post.thread_id), payload=_neutral(shown)))
    notifications.notify_mentions_added(session, editor, group=group.group, thread=thread, post=post,
                                        mentioned=added)


def delete_post(session: Session, actor: User, *, post_id: int, reason: str = "") -> None:
    access = access_post(session, actor, post_id, PostAction.delete)
    if access.post.is_opening:
        delete_thread(session, actor, thread_id=access.thread.id, reason=reason)
        return
    post, thread = access.post, access.thread
    # Its queue item first (the order a moderator's decision locks them in: item, post, thread), then the post
    # itself, only if nobody deleted it a moment ago: two deletions at once must count it off once. Whether it was
    # held is read from the row as it is deleted, not from before: a moderator may have just approved it.
    screening.withdraw(session, post_id=post.id)
    gone = session.execute(
        update(Post).where(Post.id == post.id, Post.deleted_at.is_(None)).values(deleted_at=utcnow(),
                                                                                 deleted_by_id=actor.id)
        .returning(Post.held_at).execution_options(synchronize_session=False)).first()
    if gone is None:
        raise NotFound("Post not found.")
    session.refresh(post)
    search.unindex(session, "reply", post.id)
    if gone.held_at is None:  # a held reply was never counted
        thread.reply_count = case((Thread.reply_count > 0, Thread.reply_count - 1), else_=0)  # type: ignore[assignment]
    if thread.answer_post_id == post.id:
        thread.answer_post_id = None
    record_event(session, PostDeleted(topic=thread_topic(thread.id),
                                      payload=PostRef(post_id=post.id, thread_id=thread.id)))
    _removed_by_moderator(session, actor, author_id=post.author_id, group=access.group.group, title=thread.title,
                          reason=reason, target_type="post", target_id=post.id)


def _removed_by_moderator(session: Session, actor: User, *, author_id: int | None, group: Group, title: str,
                          reason: str, target_type: str, target_id: int) -> None:
    """Someone else's post was removed: it goes in the audit log and she hears why (her own deletions are silent)."""
    if author_id is None or author_id == actor.id:
        return
    audit.record(session, actor, f"{target_type}.removed", target_type=target_type, target_id=target_id,
                 group_id=group.id, after={"reason": reason})
    tell_author_of_removal(session, actor, author_id=author_id, group=group, title=title, reason=reason,
                           key=f"{target_type}:{target_id}:removed")


def tell_author_of_removal(session: Session, actor: User, *, author_id: int, group: Group, title: str, reason: str,
                           key: str) -> None:
    """The author's notice that a moderator removed her post, with the thread's title and the reason."""
    notifications.notify_member(session, actor, user_id=author_id, kind=NotificationKind.moderation, group=group,
                                group_key=key, detail=f"{title}\n{reason}".strip())


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


def set_reaction(session: Session, actor: User, *, post_id: int, emoji: str, on: bool) -> PostOut:
    if emoji not in REACTIONS:
        raise Invalid(f"Choose one of {' '.join(REACTIONS)}.", field="emoji")
    access = access_post(session, actor, post_id, PostAction.react)
    # Idempotent both ways, and decided by the database: of two clicks at once (or two tabs) one inserts or
    # deletes the row and the other finds it done; only the one that changed something tells the others.
    if on:
        changed = bool(upsert(session, Reaction, [{"post_id": post_id, "user_id": actor.id, "emoji": emoji,
                                                   "created_at": utcnow()}],
                              index_elements=["post_id", "user_id", "emoji"], returning=[Reaction.id]))
    else:
        changed = bool(session.execute(
            delete(Reaction).where(Reaction.post_id == post_id, Reaction.user_id == actor.id, Reaction.emoji == emoji)
            .execution_options(synchronize_session=False)).rowcount)
    mine = _posts_out(session, actor, [access.post], access.thread, access.group)[0]
    if changed:
        record_event(session, ReactionChanged(topic=thread_topic(access.thread.id), payload=Reactions(
            post_id=post_id, thread_id=access.thread.id, reactions=_neutral(mine).reactions)))
    return mine
