"""Keeping the search index: the services call these in the same transaction as the write, so what is found is
what is there. Only what others may see is indexed: a held post joins the index when it is approved, a
deleted one leaves it, a draft article is not in it, nor a deactivated member.

`rebuild` writes every entry again and then removes the ones whose content is gone (`plein search-rebuild`),
in batches: search keeps working meanwhile, and with `commit` each batch is its own short transaction.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from app.db import upsert
from app.models import Article, Attachment, Group, Post, SearchDocument, Thread, User
from app.models.enums import ArticleStatus, ThreadKind
from app.services.markdown import plain_text
from app.services.search.text import all_terms
from app.services.views import users_by_id

_COLUMNS = ("group_id", "thread_id", "group_kind", "thread_kind", "motion_status", "municipality", "province",
            "author_id", "created_at", "title", "body", "extra", "title_terms", "body_terms")
BATCH = 500
D = SearchDocument


def _document(session: Session, *, kind: str, ref_id: int, created_at: datetime, title: str = "", body: str = "",
              extra: str = "", **fields: Any) -> dict[str, Any]:
    values = {"kind": kind, "ref_id": ref_id, "created_at": created_at, "title": title, "body": body, "extra": extra,
              "title_terms": all_terms(title), "body_terms": all_terms(f"{body} {extra}"), **fields}
    for name in _COLUMNS:
        values.setdefault(name, None)
    return values


def _write(session: Session, documents: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(documents), BATCH):
        upsert(session, SearchDocument, list(documents[start:start + BATCH]), index_elements=["kind", "ref_id"],
               set_={name: (lambda ex, name=name: getattr(ex, name)) for name in _COLUMNS})


# --- threads and replies ---------------------------------------------------------------------------------


def _pdf_texts(session: Session, post_ids: Iterable[int]) -> dict[int, str]:
    """Text of the posts' PDFs, as far as the job runner extracted it already (see search/pdf.py)."""
    wanted = set(post_ids)
    texts: dict[int, list[str]] = {}
    if wanted:
        for post_id, text in session.execute(select(Attachment.post_id, Attachment.text).where(
                Attachment.post_id.in_(wanted), Attachment.text.is_not(None)).order_by(Attachment.id)):
            if text and post_id is not None:  # both are, by the query; the columns are nullable
                texts.setdefault(post_id, []).append(text)
    return {post_id: " ".join(parts) for post_id, parts in texts.items()}


def _thread_documents(session: Session, threads: Sequence[Thread]) -> list[dict[str, Any]]:
    if not threads:
        return []
    ids = [t.id for t in threads]
    openings = {p.thread_id: p for p in session.scalars(
        select(Post).where(Post.thread_id.in_(ids), Post.is_opening.is_(True)))}
    pdfs = _pdf_texts(session, (p.id for p in openings.values()))
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_({t.group_id for t in threads})))}
    authors = users_by_id(session, (t.author_id for t in threads))
    out = []
    for thread in threads:
        opening = openings.get(thread.id)
        author = authors.get(thread.author_id) if thread.author_id else None
        motion = ([thread.motion_municipality or "", thread.motion_vote_result or ""]
                  if thread.kind == ThreadKind.motion else [])
        out.append(_document(
            session, kind="thread", ref_id=thread.id, created_at=thread.created_at, title=thread.title,
            body=" ".join([plain_text(opening.body) if opening else "", *motion]).strip(),
            extra=pdfs.get(opening.id, "") if opening else "",
            group_id=thread.group_id, thread_id=thread.id, group_kind=groups[thread.group_id].kind,
            thread_kind=thread.kind, motion_status=thread.motion_status,
            municipality=thread.motion_municipality or (author.municipality if author else None),
            province=author.province if author else None, author_id=thread.author_id))
    return out


def _reply_documents(session: Session, posts: Sequence[Post], threads: dict[int, Thread]) -> list[dict[str, Any]]:
    if not posts:
        return []
    groups = {g.id: g for g in session.scalars(
        select(Group).where(Group.id.in_({threads[p.thread_id].group_id for p in posts})))}
    authors = users_by_id(session, (p.author_id for p in posts))
    pdfs = _pdf_texts(session, (p.id for p in posts))
    out = []
    for post in posts:
        thread = threads[post.thread_id]
        author = authors.get(post.author_id) if post.author_id else None
        out.append(_document(
            session, kind="reply", ref_id=post.id, created_at=post.created_at, body=plain_text(post.body),
            extra=pdfs.get(post.id, ""), group_id=thread.group_id, thread_id=thread.id,
            group_kind=groups[thread.group_id].kind, thread_kind=thread.kind,
            municipality=author.municipality if author else None, province=author.province if author else None,
            author_id=post.author_id))
    return out


def index_thread(session: Session, thread: Thread) -> None:
    """The thread (title, opening post, motion fields) as it is now; a held or deleted one leaves the index."""
    if thread.deleted_at is not None or thread.held_at is not None:
        unindex_thread(session, thread.id)
        return
    _write(session, _thread_documents(session, [thread]))


def index_post(session: Session, post: Post, thread: Thread) -> None:
    """A post as it is now: the opening post is part of its thread's document, a reply has its own."""
    if post.is_opening:
        index_thread(session, thread)
    elif post.deleted_at is not None or post.held_at is not None or thread.deleted_at is not None:
        unindex(session, "reply", post.id)
    else:
        _write(session, _reply_documents(session, [post], {thread.id: thread}))


def rebuild_thread(session: Session, thread: Thread) -> None:
    """The thread and its replies again (a thread back from deletion: an article published again)."""
    index_thread(session, thread)
    if thread.deleted_at is not None or thread.held_at is not None:
        return
    replies = list(session.scalars(select(Post).where(
        Post.thread_id == thread.id, Post.is_opening.is_(False), Post.deleted_at.is_(None), Post.held_at.is_(None))))
    _write(session, _reply_documents(session, replies, {thread.id: thread}))


def unindex_thread(session: Session, thread_id: int) -> None:
    """A thread and all its replies leave the index (deleted, or held again)."""
    session.execute(delete(SearchDocument).where(SearchDocument.thread_id == thread_id))


def unindex(session: Session, kind: str, ref_id: int) -> None:
    session.execute(delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref_id))


def move_group(session: Session, *, source: Group, target: Group) -> None:
    """A merge moved the threads of `source` into `target`; its own entry goes (it is a tombstone now)."""
    unindex(session, "group", source.id)
    session.execute(update(SearchDocument).where(SearchDocument.group_id == source.id)
                    .values(group_id=target.id, group_kind=target.kind))


# --- articles, groups, members ------------------------------------------------------------------------------


def index_article(session: Session, article: Article) -> None:
    if article.status != ArticleStatus.published or article.published_at is None:
        unindex(session, "article", article.id)
        return
    subject = session.get(User, article.subject_id) if article.subject_id else None
    _write(session, [_document(
        session, kind="article", ref_id=article.id, created_at=article.published_at, title=article.title,
        body=f"{article.lead} {plain_text(article.body)}".strip(), author_id=article.author_id,
        municipality=subject.municipality if subject else None, province=subject.province if subject else None)])


def index_group(session: Session, group: Group) -> None:
    if group.merged_into_id is not None:
        unindex(session, "group", group.id)
        return
    _write(session, [_document(session, kind="group", ref_id=group.id, created_at=group.created_at,
                               title=group.name, body=group.description, group_id=group.id,
                               group_kind=group.kind)])


def _member_document(session: Session, user: User) -> dict[str, Any]:
    # Titles are Dutch words already ("raadslid", "tweede_kamerlid"): searchable as they are.
    about = [(user.title or "").replace("_", " "), user.municipality or "", (user.province or "").replace("-", " "),
             " ".join(p.name for p in user.portfolios), user.bio]
    return _document(session, kind="member", ref_id=user.id, created_at=user.created_at, title=user.display_name,
                     body=" ".join(a for a in about if a), municipality=user.municipality, province=user.province,
                     author_id=user.id)


def index_member(session: Session, user: User) -> None:
    """Her entry in the directory, and the place filters of what she wrote (they carry where she is)."""
    if not user.is_active:
        unindex(session, "member", user.id)
        return
    _write(session, [_member_document(session, user)])
    mine = (D.author_id == user.id, D.kind.in_(["thread", "reply"]))
    session.execute(update(D).where(*mine).values(province=user.province))
    # A motion is about its own municipality; everything else she wrote is placed where she is.
    session.execute(update(D).where(*mine, or_(D.thread_kind.is_(None), D.thread_kind != "motion", D.kind == "reply"))
                    .values(municipality=user.municipality))


# --- the whole index -------------------------------------------------------------------------------------


_LIVE = (Thread.deleted_at.is_(None), Thread.held_at.is_(None))


def _stream(session: Session, model: Any, *where: Any) -> Iterator[Any]:
    """Rows of one table in id order, a batch at a time, by the primary key alone (a join here let the planner
    pick a bad plan on a table whose statistics were old)."""
    last = 0
    while batch := list(session.scalars(select(model).where(model.id > last, *where).order_by(model.id)
                                        .limit(BATCH))):
        last = batch[-1].id
        yield from batch


def _in_writing_order(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """Live threads and replies merged by when they were written, in batches of (kind, row)."""
    threads = ((t.created_at, 0, t.id, "thread", t) for t in _stream(session, Thread, *_LIVE))
    replies = ((p.created_at, 1, p.id, "reply", p) for p in _stream(
        session, Post, Post.is_opening.is_(False), Post.deleted_at.is_(None), Post.held_at.is_(None)))
    batch: list[tuple[str, Any]] = []
    for _at, _order, _id, kind, row in heapq.merge(threads, replies):
        batch.append((kind, row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_if_empty(session: Session) -> dict[str, int]:
    """Fill an empty index (the upgrade that created it) when there is something to find; else nothing."""
    if session.scalar(select(SearchDocument.id).limit(1)) is not None:
        return {}
    if session.scalar(select(User.id).limit(1)) is None:
        return {}
    return rebuild(session)


def rebuild(session: Session, *, commit: Callable[[], None] | None = None) -> dict[str, int]:
    """Write every entry again from what is there, then drop entries of what is gone; returns how many of each
    kind were written. `commit`, if given, is called after every batch (the command line's long run)."""
    done = commit or (lambda: None)
    counts: dict[str, int] = {}
    # Threads and replies in the order they were written (merged by time), so that entries made anew are in
    # id order as if they had been indexed as they came: the relevance windows go by id.
    for batch in _in_writing_order(session):
        threads = [row for kind, row in batch if kind == "thread"]
        posts = [row for kind, row in batch if kind == "reply"]
        live = {t.id: t for t in session.scalars(select(Thread).where(
            Thread.id.in_({p.thread_id for p in posts}), *_LIVE))} if posts else {}
        replies = [p for p in posts if p.thread_id in live]
        documents = _thread_documents(session, threads) + _reply_documents(session, replies, live)
        _write(session, sorted(documents, key=lambda d: d["created_at"]))  # ids in writing order
        counts["thread"] = counts.get("thread", 0) + len(threads)
        counts["reply"] = counts.get("reply", 0) + len(replies)
        done()
    for article in session.scalars(select(Article).where(Article.status == ArticleStatus.published)):
        index_article(session, article)
        counts["article"] = counts.get("article", 0) + 1
    for group in session.scalars(select(Group).where(Group.merged_into_id.is_(None))):
        index_group(session, group)
        counts["group"] = counts.get("group", 0) + 1
    members = list(session.scalars(select(User).where(User.is_active.is_(True))))
    _write(session, [_member_document(session, u) for u in members])
    counts["member"] = len(members)
    _purge_stale(session)
    done()
    return counts


def _purge_stale(session: Session) -> None:
    """Entries whose content is gone, deleted, held, unpublished, merged away or deactivated."""
    live_thread = (Thread.deleted_at.is_(None), Thread.held_at.is_(None))
    gone = {
        "thread": ~exists().where(Thread.id == D.ref_id, *live_thread),
        "reply": ~exists().where(Post.id == D.ref_id, Post.deleted_at.is_(None), Post.held_at.is_(None),
                                 Thread.id == Post.thread_id, *live_thread),
        "article": ~exists().where(Article.id == D.ref_id, Article.status == ArticleStatus.published),
        "group": ~exists().where(Group.id == D.ref_id, Group.merged_into_id.is_(None)),
        "member": ~exists().where(User.id == D.ref_id, User.is_active.is_(True)),
    }
    for kind, condition in gone.items():
        session.execute(delete(D).where(D.kind == kind, condition))
