"""Comments and reactions on an article: the replies of a thread in the site's "Interviews en artikelen"
group (made at the first publication), with the same composer, moderation, notifications and reactions as any
other thread.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid
from app.events import (
    ThreadCreated,
    channel_topic,
    group_topic,
    record_event,
)
from app.models import Article, Channel, Membership, Post, Thread, User
from app.models.enums import ArticleStatus as Status
from app.models.enums import GroupKind, ThreadKind, Visibility
from app.schemas.posts import PostOut, ReplyCreate
from app.services import groups, posts, search
from app.services.publishing.articles import access_article, article_url

ARTICLES_GROUP = "Interviews en artikelen"


def _articles_channel(session: Session) -> Channel:
    """Where comment threads go: the channel of the latest article's thread (it follows a merge), or a new
    open group made for them the first time."""
    channel_id = session.scalar(select(Thread.channel_id).join(Article, Article.thread_id == Thread.id)
                                .order_by(Article.published_at.desc().nulls_last(), Article.id.desc()).limit(1))
    if channel_id is not None:
        return session.get(Channel, channel_id)  # type: ignore[return-value]
    group = groups.create_site_group(session, name=ARTICLES_GROUP, kind=GroupKind.other, visibility=Visibility.open,
                                     description="Reacties op de interviews en artikelen van Plein.")
    return session.scalars(select(Channel).where(Channel.group_id == group.id, Channel.is_default.is_(True))).one()


def open_comments(session: Session, article: Article) -> None:
    """The article's comment thread: made at its first publication, back again when it is republished."""
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if thread is not None:  # published again: its comments come back
        thread.deleted_at = None
        thread.title = article.title
        session.flush()
        search.rebuild_thread(session, thread)
        return
    channel = _articles_channel(session)
    now = article.published_at or utcnow()
    opening = f"{article.lead}\n\n→ [{article.title}]({article_url(article)})".strip()
    thread, _ = posts.start_thread(session, channel=channel, author_id=article.author_id, kind=ThreadKind.discussion,
                                   title=article.title, body=opening, at=now)
    article.thread_id = thread.id
    session.flush()
    search.index_thread(session, thread)
    shown = posts.threads_out(session, [thread])[0]
    for topic in (channel_topic(channel.id), group_topic(channel.group_id)):
        record_event(session, ThreadCreated(topic=topic, payload=shown))


def _comment_thread(session: Session, actor: User, article_id: int) -> Thread:
    """The article's comment thread, with her a member of its group (commenting is joining the conversation)."""
    article = access_article(session, actor, article_id)
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if article.status != Status.published or thread is None:
        raise Conflict("Comments open when the article is published.")
    joined = session.scalar(select(Membership.id).where(Membership.group_id == thread.group_id,
                                                        Membership.user_id == actor.id))
    if joined is None:
        groups.join_group(session, actor, group_id=thread.group_id)
    return thread


def comment(session: Session, actor: User, *, article_id: int, data: ReplyCreate,
            idempotency_key: str | None = None) -> PostOut:
    thread = _comment_thread(session, actor, article_id)
    return posts.create_reply(session, actor, thread_id=thread.id, idempotency_key=idempotency_key, data=data)


def opening_post_id(session: Session, thread_id: int) -> int:
    return session.scalars(select(Post.id).where(Post.thread_id == thread_id, Post.is_opening.is_(True))).one()


def react(session: Session, actor: User, *, article_id: int, emoji: str, on: bool,
          post_id: int | None = None) -> PostOut:
    """A reaction to the article itself (kept on its comment thread's opening post), or to one of its comments."""
    thread = _comment_thread(session, actor, article_id)
    if post_id is None:
        post_id = opening_post_id(session, thread.id)
    elif session.scalar(select(Post.thread_id).where(Post.id == post_id)) != thread.id:
        raise Invalid("That is not a comment on this article.", field="post_id")
    return posts.set_reaction(session, actor, post_id=post_id, emoji=emoji, on=on)


def get_reactions(session: Session, actor: User, *, article_id: int) -> PostOut | None:
    article = access_article(session, actor, article_id)
    if article.status != Status.published or not article.thread_id:
        return None
    return posts.get_post(session, actor, post_id=opening_post_id(session, article.thread_id))
