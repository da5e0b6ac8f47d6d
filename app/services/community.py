"""Community health for the community manager: unanswered questions, members drifting away, group activity.

Each list is one indexed query (see docs/performance.md for the figures on a million posts): the unanswered
questions come from a partial index holding only unanswered ones, drifting members from the indexed
`users.last_posted_at`, and a group's last activity from the (group, last activity) index, one probe per group.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access import SiteAction, require
from app.config import get_settings
from app.db import utcnow
from app.models import Group, Post, Thread, User
from app.models.enums import ThreadKind
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.groups import GroupRef
from app.schemas.health import DriftingMember, GroupActivity, UnansweredQuestion
from app.services import posts
from app.services.views import user_summary

WEEKS_OF_THREADS = 4


def _require_staff(actor: User) -> None:
    require(actor, SiteAction.community_health)


def unanswered_questions(session: Session, actor: User, *, older_than_hours: int | None = None,
                         cursor: str | None = None, limit: int | None = None) -> Page[UnansweredQuestion]:
    """Questions nobody replied to or marked answered, waiting longer than the setting, oldest first."""
    _require_staff(actor)
    now = utcnow()
    hours = older_than_hours if older_than_hours is not None else get_settings().unanswered_after_hours
    n = clamp_limit(limit)
    # These conditions are the partial index's (ix_threads_unanswered), so only unanswered rows are read.
    stmt = select(Thread).where(
        Thread.kind == ThreadKind.question.value, Thread.reply_count == 0, Thread.answer_post_id.is_(None),
        Thread.deleted_at.is_(None), Thread.held_at.is_(None), Thread.created_at <= now - timedelta(hours=hours))
    stmt = keyset(stmt, (Thread.created_at, Thread.id), cursor, descending=False, types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_({t.group_id for t in page})))}
    outs = posts.threads_out(session, page)
    return Page(items=[UnansweredQuestion(
        thread=out, group=GroupRef(id=groups[t.group_id].id, slug=groups[t.group_id].slug,
                                   name=groups[t.group_id].name),
        waiting_hours=int((now - t.created_at).total_seconds() // 3600)) for t, out in zip(page, outs, strict=True)],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > n else None)


def _drifting(member: User, *, now: datetime, earlier_posts: int) -> DriftingMember:
    assert member.last_posted_at is not None  # the query keeps only members who posted
    return DriftingMember(member=user_summary(member), last_posted_at=member.last_posted_at,
                          silent_days=(now - member.last_posted_at).days, earlier_posts=earlier_posts)


def drifting_members(session: Session, actor: User, *, silent_weeks: int | None = None,
                     cursor: str | None = None, limit: int | None = None) -> Page[DriftingMember]:
    """Members who posted in the active weeks but not in the last silent weeks; the most recently quiet first."""
    _require_staff(actor)
    settings = get_settings()
    now = utcnow()
    silent_since = now - timedelta(weeks=silent_weeks or settings.drifting_silent_weeks)
    active_since = now - timedelta(weeks=settings.drifting_active_weeks)
    n = clamp_limit(limit)
    stmt = select(User).where(User.is_active.is_(True), User.last_posted_at.is_not(None),
                              User.last_posted_at < silent_since, User.last_posted_at >= active_since)
    stmt = keyset(stmt, (User.last_posted_at, User.id), cursor, descending=True, types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    earlier = dict(session.execute(
        select(Post.author_id, func.count()).where(Post.author_id.in_([u.id for u in page]),
                                                   Post.created_at >= active_since, Post.deleted_at.is_(None))
        .group_by(Post.author_id)).all()) if page else {}
    return Page(items=[_drifting(u, now=now, earlier_posts=earlier.get(u.id, 0)) for u in page],
        next_cursor=encode_cursor(page[-1].last_posted_at, page[-1].id) if len(rows) > n else None)


def group_activity(session: Session, actor: User) -> list[GroupActivity]:
    """Every group that is not archived: members, new threads per week, last activity; quiet ones first."""
    _require_staff(actor)
    now = utcnow()
    quiet_before = now - timedelta(days=get_settings().quiet_group_days)
    # One index probe per group (ix_threads_group_activity), not a scan of every thread; so no other condition
    # (a deleted thread's last reply still was activity).
    last = (select(func.max(Thread.last_activity_at)).where(Thread.group_id == Group.id)
            .correlate(Group).scalar_subquery())
    rows = session.execute(select(Group, last).where(Group.archived_at.is_(None))).all()
    recent = dict(session.execute(
        select(Thread.group_id, func.count()).where(Thread.created_at >= now - timedelta(weeks=WEEKS_OF_THREADS),
                                                    Thread.deleted_at.is_(None)).group_by(Thread.group_id)).all())
    out = [GroupActivity(
        group=GroupRef(id=g.id, slug=g.slug, name=g.name), kind=g.kind, members=g.member_count,
        threads_per_week=round(recent.get(g.id, 0) / WEEKS_OF_THREADS, 2), last_activity_at=last_at,
        quiet=last_at is None or last_at < quiet_before) for g, last_at in rows]
    return sorted(out, key=lambda a: (not a.quiet, a.last_activity_at or datetime.min.replace(tzinfo=now.tzinfo),
                                      a.group.name))
