"""Questions addressed to portfolios: who they reach, and the community manager's approval of large ones."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access import GroupAction, SiteAction, access_channel, access_thread, allowed, require
from app.config import get_settings
from app.db import rows_changed
from app.errors import Conflict, NotFound
from app.models import Group, Post, Thread, ThreadPortfolio, User
from app.models.enums import AudienceStatus, Province, Title
from app.schemas.notifications import AudienceIn, AudiencePreview
from app.schemas.posts import AudienceOut
from app.services import notifications


def audience_out(thread: Thread) -> AudienceOut | None:
    if thread.audience_status is None:
        return None
    return AudienceOut(province=Province(thread.audience_province) if thread.audience_province else None,
                       title=Title(thread.audience_title) if thread.audience_title else None,
                       status=AudienceStatus(thread.audience_status), count=thread.audience_count or 0)


def _decided(thread: Thread) -> AudienceOut:
    out = audience_out(thread)
    assert out is not None  # a decided audience has its status
    return out


def _needs_approval(actor: User, count: int) -> bool:
    return count > get_settings().question_audience_approval_over and not allowed(actor, SiteAction.decide_questions)


def address_question(session: Session, actor: User, *, group: Group, thread: Thread, portfolio_ids: Sequence[int],
                     province: Province | None, title: Title | None) -> list[int]:
    """Record whom a new question reaches; returns who hears of it now (nobody while it waits for approval)."""
    if not portfolio_ids:
        return []
    askees = notifications.portfolio_audience(session, group, portfolio_ids=portfolio_ids, province=province,
                                              title=title, exclude=actor.id)
    thread.audience_province = province
    thread.audience_title = title.value if title else None
    thread.audience_count = len(askees)
    if _needs_approval(actor, len(askees)):
        thread.audience_status = AudienceStatus.pending
        return []
    thread.audience_status = AudienceStatus.sent
    return [user.id for user in askees]


def preview_audience(session: Session, actor: User, *, data: AudienceIn) -> AudiencePreview:
    """How many people a question would reach, shown in the composer before it is sent."""
    access = access_channel(session, actor, data.channel_id, GroupAction.post)
    found = notifications.portfolio_audience(session, access.group.group, portfolio_ids=data.portfolio_ids,
                                             province=data.province, title=data.title, exclude=actor.id)
    limit = get_settings().question_audience_approval_over
    return AudiencePreview(count=len(found), needs_approval=_needs_approval(actor, len(found)), approval_over=limit)


def _portfolio_ids(session: Session, thread: Thread) -> list[int]:
    return list(session.scalars(select(ThreadPortfolio.portfolio_id).where(ThreadPortfolio.thread_id == thread.id)))


def check_decider(actor: User) -> None:
    require(actor, SiteAction.decide_questions)


def current_askees(session: Session, group: Group, thread: Thread) -> list[int]:
    """The holders a question reaches now (it was held for review, or waited for approval)."""
    return [u.id for u in notifications.portfolio_audience(
        session, group, portfolio_ids=_portfolio_ids(session, thread), province=thread.audience_province,
        title=thread.audience_title, exclude=thread.author_id)]


def decide_audience(session: Session, actor: User, *, thread_id: int, approve: bool) -> AudienceOut:
    """The community manager lets a large question go out (to the holders as they are now), or stops it."""
    check_decider(actor)
    access = access_thread(session, actor, thread_id, GroupAction.read)
    thread = access.thread
    decision = AudienceStatus.sent if approve else AudienceStatus.declined
    # One conditional UPDATE decides: of two decisions at the same moment exactly one changes the status (the
    # other waits on the row, then finds it decided), so the askees hear of the question once.
    won = rows_changed(session,
        update(Thread).where(Thread.id == thread.id, Thread.audience_status == AudienceStatus.pending)
        .values(audience_status=decision.value).execution_options(synchronize_session=False))
    session.refresh(thread)
    if not won:
        if thread.audience_status == AudienceStatus.sent:
            raise Conflict("This question was already sent to its %(count)s recipients.",
                           code="already_decided", params={"count": thread.audience_count or 0})
        if thread.audience_status == AudienceStatus.declined:
            raise Conflict("This question was already declined.", code="already_decided")
        raise Conflict("This question is not waiting for approval.", code="not_awaiting_approval")
    if not approve:
        return _decided(thread)
    asker = session.get(User, thread.author_id) if thread.author_id else None
    askees = current_askees(session, access.group.group, thread)
    thread.audience_count = len(askees)
    opening = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    if opening is None:
        raise NotFound("Thread not found.")
    notifications.notify_question_audience(session, asker or actor, group=access.group.group, thread=thread,
                                           post=opening, askees=askees)
    session.flush()
    return _decided(thread)
