"""Series ("Raadslid in beeld"): a cadence, a calendar of slots, and a reminder to the editors of an empty slot.

A slot is first_slot + k × cadence_days at the series' publish time (Europe/Amsterdam). An article of the
series fills the slot its publication moment (published, or scheduled) falls nearest to: within half a
cadence either side, so an interview that went out a day late still fills its slot.

Reminders are jobs, one per slot (queued by the worker's scheduler and whenever a series changes). When
one runs it checks the slot again: only a slot still empty, still ahead and still part of the calendar
reminds anyone, and each editor hears of a slot once.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import jobs
from app.db import constraint_decides, utcnow
from app.errors import Conflict, NotFound
from app.i18n import TIMEZONE
from app.models import Article, Notification, Series, User
from app.models.enums import ArticleStatus, AuditAction
from app.schemas.publishing import (
    CalendarOut,
    SeriesCreate,
    SeriesOut,
    SeriesUpdate,
    SlotArticle,
    SlotOut,
    SlotState,
)
from app.services import audit, notifications
from app.services.publishing.articles import require_editor
from app.services.roles import STAFF_ROLES
from app.services.text import slugify

SLOTS_AHEAD = 3  # reminders are queued for this many coming slots of every series


def series_out(series: Series) -> SeriesOut:
    return SeriesOut(id=series.id, slug=series.slug, name=series.name, description=series.description,
                     cadence_days=series.cadence_days, first_slot=series.first_slot,
                     publish_time=series.publish_time, reminder_days=series.reminder_days,
                     feed_url=f"/feeds/series/{series.slug}.atom")


def _get(session: Session, series_id: int) -> Series:
    series = session.get(Series, series_id)
    if series is None or series.archived_at is not None:
        raise NotFound("Series not found.")
    return series


def series_id_by_slug(session: Session, slug: str) -> int:
    found = session.scalar(select(Series.id).where(Series.slug == slug, Series.archived_at.is_(None)))
    if found is None:
        raise NotFound("Series not found.")
    return found


def list_series(session: Session, actor: User) -> list[SeriesOut]:
    rows = session.scalars(select(Series).where(Series.archived_at.is_(None)).order_by(Series.name))
    return [series_out(s) for s in rows]


def get_series(session: Session, actor: User, *, series_id: int) -> SeriesOut:
    return series_out(_get(session, series_id))


def create_series(session: Session, actor: User, *, data: SeriesCreate) -> SeriesOut:
    require_editor(actor)
    slug = slugify(data.name)
    exists = Conflict("A series with this name already exists.", field="name", code="series_exists")
    if session.scalar(select(Series.id).where(Series.slug == slug)) is not None:
        raise exists
    series = Series(slug=slug, name=data.name, description=data.description, cadence_days=data.cadence_days,
                    first_slot=data.first_slot, publish_time=data.publish_time, reminder_days=data.reminder_days,
                    created_at=utcnow())
    with constraint_decides(session, exists):
        session.add(series)
    audit.record(session, actor, AuditAction.series_created, target_type="series", target_id=series.id,
                 after=series_out(series).model_dump(mode="json"))
    schedule_reminders(session, series=series)
    return series_out(series)


def update_series(session: Session, actor: User, *, series_id: int, data: SeriesUpdate) -> SeriesOut:
    require_editor(actor)
    series = _get(session, series_id)
    if data.name is not None and data.name != series.name and session.scalar(select(Series.id).where(
            or_(Series.name == data.name, Series.slug == slugify(data.name)), Series.id != series.id)) is not None:
        raise Conflict("A series with this name already exists.", field="name", code="series_exists")
    before = series_out(series).model_dump(mode="json")
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is not None:
            setattr(series, name, value)
    session.flush()
    after = series_out(series).model_dump(mode="json")
    if after != before:
        audit.record(session, actor, AuditAction.series_updated, target_type="series", target_id=series.id,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    schedule_reminders(session, series=series)
    return series_out(series)


# --- the calendar ------------------------------------------------------------------------------------


def slot_moment(series: Series, day: date) -> datetime:
    return datetime.combine(day, series.publish_time, tzinfo=TIMEZONE).astimezone(UTC)


def slots_from(series: Series, moment: datetime, count: int) -> list[date]:
    """The next `count` slot dates whose moment is at or after `moment`."""
    local = moment.astimezone(TIMEZONE).date()
    step = series.cadence_days
    k = max(0, -(-(local - series.first_slot).days // step))
    days: list[date] = []
    while len(days) < count:
        day = series.first_slot + timedelta(days=k * step)
        if slot_moment(series, day) >= moment:
            days.append(day)
        k += 1
    return days


def is_slot(series: Series, day: date) -> bool:
    offset = (day - series.first_slot).days
    return offset >= 0 and offset % series.cadence_days == 0


def _window(series: Series, day: date) -> tuple[datetime, datetime]:
    moment, half = slot_moment(series, day), timedelta(days=series.cadence_days) / 2
    return moment - half, moment + half


def _slot_articles(session: Session, series: Series, day: date) -> list[SlotArticle]:
    start, end = _window(series, day)
    rows = session.execute(
        select(Article.id, Article.slug, Article.title, Article.status, Article.published_at, Article.scheduled_at)
        .where(Article.series_id == series.id, or_(
            (Article.status == ArticleStatus.published) & (Article.published_at >= start)
            & (Article.published_at < end),
            (Article.status == ArticleStatus.scheduled) & (Article.scheduled_at >= start)
            & (Article.scheduled_at < end)))
        .order_by(Article.id))
    found = []
    for i, slug, title, status, published, scheduled in rows:
        # The query finds a published article by its published_at, a scheduled one by its scheduled_at.
        at = published or scheduled
        assert at is not None
        found.append(SlotArticle(id=i, slug=slug, title=title, status=ArticleStatus(status), at=at))
    return found


def remind_at(series: Series, day: date) -> datetime:
    return slot_moment(series, day) - timedelta(days=series.reminder_days)


def get_calendar(session: Session, actor: User, *, series_id: int, now: datetime | None = None, past: int = 2,
                 count: int = 8) -> CalendarOut:
    """The last `past` slots and the next `count`, each published, scheduled or still empty."""
    require_editor(actor)
    series = _get(session, series_id)
    now = now or utcnow()
    start = now - timedelta(days=series.cadence_days * past)
    earlier = [d for d in slots_from(series, start, past + 1) if slot_moment(series, d) < now][-past:] if past else []
    slots = []
    for day in earlier + slots_from(series, now, count):
        articles = _slot_articles(session, series, day)
        states = {a.status for a in articles}
        state = SlotState.published if ArticleStatus.published in states else \
            SlotState.scheduled if articles else SlotState.empty
        reminder = remind_at(series, day)
        slots.append(SlotOut(date=day, publish_at=slot_moment(series, day), state=state, articles=articles,
                             remind_at=reminder if reminder > now else None))
    return CalendarOut(series=series_out(series), slots=slots)


# --- reminders -----------------------------------------------------------------------------------------


def schedule_reminders(session: Session, *, series: Series | None = None, now: datetime | None = None) -> None:
    """Queue the reminder job of each coming slot (of one series, or all); a queued one is not queued again."""
    now = now or utcnow()
    every = [series] if series is not None else list(session.scalars(select(Series).where(
        Series.archived_at.is_(None))))
    for s in every:
        for day in slots_from(s, now, SLOTS_AHEAD):
            # Keyed by its moment: a new publish time or a new number of days queues a new job (the old one
            # then finds it too early, or finds the editors already told).
            due = remind_at(s, day)
            jobs.enqueue(session, jobs.RemindSeriesEditors(series_id=s.id, slot=day), run_at=max(due, now),
                         dedupe_key=f"series-reminder:{s.id}:{day.isoformat()}:{due.isoformat()}")


def reminder_key(series_id: int, day: date) -> str:
    return f"series:{series_id}:slot:{day.isoformat()}"


def editor_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.is_active.is_(True), or_(User.role.in_(STAFF_ROLES), User.is_editor.is_(True))).order_by(User.id)))


def remind_empty_slot(session: Session, *, series_id: int, slot: date, now: datetime | None = None) -> int:
    """The reminder job: tell the editors the slot is empty, if it still is; returns how many were told."""
    now = now or utcnow()
    series = session.get(Series, series_id)
    if series is None or series.archived_at is not None or not is_slot(series, slot):
        return 0  # archived, or the cadence changed and this is no longer a slot
    if not remind_at(series, slot) <= now < slot_moment(series, slot):
        return 0  # too early (the reminder days were shortened since), or the slot has passed
    if _slot_articles(session, series, slot):
        return 0
    key = reminder_key(series.id, slot)
    told = set(session.scalars(select(Notification.user_id).where(Notification.group_key == key)))
    editors = [i for i in editor_ids(session) if i not in told]
    notifications.remind_editors(session, user_ids=editors, series=series, slot=slot, group_key=key,
                                 publish_at=slot_moment(series, slot))
    return len(editors)
