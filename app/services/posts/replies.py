"""Replies and posts: reply, publish a held post, preview, edit, delete, react."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from app.access import (
    GroupAction,
    PostAction,
    access_post,
    access_thread,
    group_access,
)
from app.db import rows_changed, upsert, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import (
    Activity,
    PostCreated,
    PostDeleted,
    PostRef,
    ReactionChanged,
    Reactions,
    ThreadActivity,
    channel_topic,
    record_event,
    thread_topic,
)
from app.models import (
    Group,
    Mention,
    Post,
    Reaction,
    Thread,
    User,
)
from app.models.enums import REACTIONS, AudienceStatus
from app.schemas.posts import (
    PostOut,
    PreviewIn,
    PreviewOut,
    ReplyCreate,
)
from app.services import notifications, questions, screening, search
from app.services.attachments import claim_attachments
from app.services.idempotency import claim_idempotency_key, fingerprint, remember_idempotency_key
from app.services.markdown import render_markdown
from app.services.posts.reading import get_post, neutral, new_post_related, posts_out
from app.services.posts.threads import delete_thread, thread_goes_live
from app.services.posts.writing import edit_body, removed_by_moderator, store_mentions


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
    mentioned = store_mentions(session, post, new=True)
    remember_idempotency_key(session, actor, idempotency_key, post.id)
    notifications.took_part(session, actor, thread_id=thread.id, post_id=post.id)
    related = new_post_related(session, actor, post, quoted=quoted, attachments=attached,
                                mentions=list(mentioned.values()))
    if hold:
        screening.hold_for_review(session, post=post, group=access.group.group, hold=hold)
        related.held_reasons[post.id] = hold.reasons
        return posts_out(session, actor, [post], thread, access.group, related)[0]
    mine = posts_out(session, actor, [post], thread, access.group, related)[0]
    _reply_goes_live(session, actor, group=access.group.group, thread=thread, post=post, shown=mine,
                     quoted_author_id=quoted.author_id if quoted else None, mentioned=mentioned)
    return mine


def _reply_goes_live(session: Session, author: User, *, group: Group, thread: Thread, post: Post, shown: PostOut,
                     quoted_author_id: int | None, mentioned: Iterable[int]) -> None:
    """The reply counts from now on: the open pages, the thread's activity, who should hear of it."""
    record_event(session, PostCreated(topic=thread_topic(thread.id), payload=neutral(shown)))
    now = utcnow()
    # In SQL, not read-modify-write: replies written at the same moment must all count (PostgreSQL lost some).
    thread.reply_count = Thread.reply_count + 1
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
        thread_goes_live(session, author or moderator, group=access.group, thread=thread, opening=post,
                          mentioned=mentioned, askees=askees)
        return
    quoted = session.get(Post, post.quote_post_id) if post.quote_post_id else None
    shown = posts_out(session, author or moderator, [post], thread, access)[0]
    _reply_goes_live(session, author or moderator, group=access.group, thread=thread, post=post, shown=shown,
                     quoted_author_id=quoted.author_id if quoted else None, mentioned=mentioned)


def preview(_session: Session, _actor: User, *, data: PreviewIn) -> PreviewOut:
    """What a post will look like: the same markdown and sanitiser as a stored post."""
    return PreviewOut(html=render_markdown(data.body))


def update_post(session: Session, actor: User, *, post_id: int, body: str) -> PostOut:
    access = access_post(session, actor, post_id, PostAction.edit)
    post = access.post
    if body == post.body:
        return posts_out(session, actor, [post], access.thread, access.group)[0]
    screening.check_edit(session, actor, post=post, group=access.group.group, text=body)
    edit_body(session, actor, post=post, thread=access.thread, group=access.group, body=body)
    return posts_out(session, actor, [post], access.thread, access.group)[0]


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
        thread.reply_count = case((Thread.reply_count > 0, Thread.reply_count - 1), else_=0)
    if thread.answer_post_id == post.id:
        thread.answer_post_id = None
    record_event(session, PostDeleted(topic=thread_topic(thread.id),
                                      payload=PostRef(post_id=post.id, thread_id=thread.id)))
    removed_by_moderator(session, actor, author_id=post.author_id, group=access.group.group, title=thread.title,
                          reason=reason, target_type="post", target_id=post.id)


def set_reaction(session: Session, actor: User, *, post_id: int, emoji: str, on: bool) -> PostOut:
    if emoji not in REACTIONS:
        raise Invalid("Choose one of %(emoji)s.", field="emoji", params={"emoji": " ".join(REACTIONS)})
    access = access_post(session, actor, post_id, PostAction.react)
    # Idempotent both ways, and decided by the database: of two clicks at once (or two tabs) one inserts or
    # deletes the row and the other finds it done; only the one that changed something tells the others.
    if on:
        changed = bool(upsert(session, Reaction, [{"post_id": post_id, "user_id": actor.id, "emoji": emoji,
                                                   "created_at": utcnow()}],
                              index_elements=["post_id", "user_id", "emoji"], returning=[Reaction.id]))
    else:
        changed = bool(rows_changed(session,
            delete(Reaction).where(Reaction.post_id == post_id, Reaction.user_id == actor.id, Reaction.emoji == emoji)
            .execution_options(synchronize_session=False)))
    mine = posts_out(session, actor, [access.post], access.thread, access.group)[0]
    if changed:
        record_event(session, ReactionChanged(topic=thread_topic(access.thread.id), payload=Reactions(
            post_id=post_id, thread_id=access.thread.id, reactions=neutral(mine).reactions)))
    return mine
