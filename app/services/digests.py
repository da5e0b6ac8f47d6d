"""Daily and weekly digests: per member, what happened in her groups that she has not seen, grouped by group.

"Not seen" means: posts by others, newer than her previous digest and than how far she read the thread.
Articles published in the period come first (if she wants to hear of articles), each once.
Only her own groups (not the open ones she merely browses), never a muted group or thread. Each run is a
job; each member's digest is written with a dedupe key for the slot, so a run repeated after a crash sends
nobody a second copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from app.access import readable_groups
from app.config import get_settings
from app.db import Database, unit_of_work, utcnow
from app.i18n import TIMEZONE
from app.jobs import Mail, RunDigests, enqueue
from app.models import Article, Group, Job, Membership, Post, Series, Thread, ThreadState, User
from app.models.enums import ArticleStatus, DigestFrequency, NotificationLevel
from app.services.mail import compose, record_mail, unsubscribe_url
from app.services.markdown import excerpt

PERIOD = {DigestFrequency.daily: timedelta(days=1), DigestFrequency.weekly: timedelta(days=7)}
THREADS_PER_GROUP = 10


@dataclass
class DigestThread:
    title: str
    url: str
    is_new: bool
    replies: int


@dataclass
class DigestGroup:
    name: str
    url: str
    threads: list[DigestThread] = field(default_factory=list)
    more: int = 0


@dataclass
class DigestArticle:
    title: str
    lead: str
    url: str
    series: str | None


def build_articles(session: Session, user: User, *, since: datetime, until: datetime) -> list[DigestArticle]:
    if not user.article_notifications:
        return []
    base = get_settings().base_url
    rows = session.execute(
        select(Article.title, Article.lead, Article.slug, Series.name)
        .outerjoin(Series, Series.id == Article.series_id)
        .where(Article.status == ArticleStatus.published, Article.published_at > since, Article.published_at <= until)
        .order_by(Article.published_at, Article.id))
    return [DigestArticle(title=title, lead=excerpt(lead, 240), url=f"{base}/articles/{slug}", series=series)
            for title, lead, slug, series in rows]


def build_digest(session: Session, user: User, *, since: datetime, until: datetime) -> list[DigestGroup]:
    base = get_settings().base_url
    muted = NotificationLevel.muted.value
    my_groups = select(Membership.group_id).where(
        Membership.user_id == user.id,
        or_(Membership.notification_level.is_(None), Membership.notification_level != muted),
        Membership.group_id.in_(readable_groups(user)))  # the one rule (members read), not a second copy
    newest = func.max(Post.created_at)
    rows = session.execute(
        select(Thread.id, Thread.title, Thread.group_id, func.count(Post.id),
               func.max(case((Post.is_opening, 1), else_=0)))
        .join(Post, Post.thread_id == Thread.id)
        .outerjoin(ThreadState, (ThreadState.thread_id == Thread.id) & (ThreadState.user_id == user.id))
        .where(Thread.group_id.in_(my_groups), Thread.deleted_at.is_(None), Post.deleted_at.is_(None),
               Thread.held_at.is_(None), Post.held_at.is_(None),
               Post.created_at > since, Post.created_at <= until,
               or_(Post.author_id.is_(None), Post.author_id != user.id),
               Post.id > func.coalesce(ThreadState.last_read_post_id, 0),
               or_(ThreadState.level.is_(None), ThreadState.level != muted))
        .group_by(Thread.id, Thread.title, Thread.group_id)
        .order_by(newest.desc(), Thread.id.desc())
    ).all()
    if not rows:
        return []
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_({r[2] for r in rows})))}
    digest: dict[int, DigestGroup] = {}
    for thread_id, title, group_id, posts, opening in rows:
        group = groups[group_id]
        entry = digest.setdefault(group_id, DigestGroup(name=group.name, url=f"{base}/groups/{group.slug}"))
        if len(entry.threads) >= THREADS_PER_GROUP:
            entry.more += 1
            continue
        entry.threads.append(DigestThread(title=title, url=f"{base}/threads/{thread_id}", is_new=bool(opening),
                                          replies=posts - (1 if opening else 0)))
    return sorted(digest.values(), key=lambda g: g.name.casefold())


def send_digest(session: Session, user: User, *, frequency: DigestFrequency, slot: str, now: datetime) -> bool:
    """Write her digest for this slot to the outbox (if there is anything); returns whether there was."""
    key = f"digest:{frequency}:{slot}:{user.id}"
    if session.scalar(select(Job.id).where(Job.dedupe_key == key)) is not None:
        return False  # this slot's run was repeated (a worker died after her digest was written)
    since = user.digest_until or now - PERIOD[frequency]
    groups = build_digest(session, user, since=since, until=now)
    articles = build_articles(session, user, since=since, until=now)
    user.digest_until = now
    if not groups and not articles:
        return False
    subject, text, html = compose("digest", language=user.language, frequency=frequency.value,
                                  name=user.display_name, groups=groups, articles=articles,
                                  unsubscribe_url=unsubscribe_url(user.id, "digest"))
    record_mail(session, Mail(to=user.email, subject=subject, text=text, html=html, kind=f"digest.{frequency}",
                              user_id=user.id, unsubscribe="digest"),
                dedupe_key=key)
    return True


def run_digests(db: Database, *, frequency: DigestFrequency, slot: str, now: datetime | None = None) -> int:
    """One digest run: every member who chose this frequency, each in her own short transaction."""
    now = now or utcnow()
    with db.sessionmaker() as session:
        user_ids = list(session.scalars(select(User.id).where(User.digest == frequency.value,
                                                              User.is_active.is_(True)).order_by(User.id)))
    sent = 0
    for user_id in user_ids:
        with unit_of_work(db, None) as session:
            user = session.get(User, user_id)
            if user is None or user.digest != frequency.value:
                continue
            sent += send_digest(session, user, frequency=frequency, slot=slot, now=now)
    return sent


def next_slots(now: datetime) -> list[tuple[DigestFrequency, datetime]]:
    """The next daily slot and the next weekly one (Monday), at DIGEST_HOUR Amsterdam time, in UTC."""
    hour = get_settings().digest_hour
    local = now.astimezone(TIMEZONE)
    daily = datetime.combine(local.date(), time(hour), tzinfo=TIMEZONE)
    if daily <= local:
        daily = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=TIMEZONE)
    weekly = daily
    while weekly.weekday() != 0:
        weekly = datetime.combine(weekly.date() + timedelta(days=1), time(hour), tzinfo=TIMEZONE)
    return [(DigestFrequency.daily, daily.astimezone(UTC)), (DigestFrequency.weekly, weekly.astimezone(UTC))]


def schedule_digests(session: Session, *, now: datetime | None = None) -> None:
    """Make sure the next digest runs are queued (once each, whichever worker gets here first)."""
    for frequency, at in next_slots(now or utcnow()):
        slot = at.astimezone(TIMEZONE).date().isoformat()
        enqueue(session, RunDigests(frequency=frequency, slot=slot), run_at=at,
                dedupe_key=f"digest-run:{frequency.value}:{slot}")
