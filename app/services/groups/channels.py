"""A group's channels: list, create, rename (old links keep working), describe, archive, reorder."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access import (
    GroupAction,
    access_channel,
    access_group,
    lock_group_row,
)
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import (
    ChannelCreated,
    ChannelUpdated,
    channel_topic,
    group_topic,
    record_event,
)
from app.models import Channel, ChannelSlugHistory, User
from app.schemas.groups import (
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
)
from app.services.groups.directory import remember_slug
from app.services.text import slugify

LISTED = (Channel.position, Channel.is_default.desc(), Channel.name)  # the group's channel list, top to bottom


def list_channels(session: Session, actor: User, *, group_id: int, include_archived: bool = False) -> list[ChannelOut]:
    access_group(session, actor, group_id, GroupAction.read)
    stmt = select(Channel).where(Channel.group_id == group_id)
    if not include_archived:
        stmt = stmt.where(Channel.archived_at.is_(None))
    channels = session.scalars(stmt.order_by(*LISTED))
    return [ChannelOut.model_validate(c) for c in channels]


def get_channel_by_slug(session: Session, actor: User, *, group_id: int, slug: str) -> ChannelOut:
    """The group's channel with this slug, archived ones too (they open read-only); a slug it had before it was
    renamed finds it as well (the caller sees the slug differ and redirects)."""
    access_group(session, actor, group_id, GroupAction.read)
    channel = session.scalar(select(Channel).where(Channel.group_id == group_id, Channel.slug == slug,
                                                   Channel.merged_into_id.is_(None)))
    if channel is None:
        channel = session.scalar(select(Channel).join(ChannelSlugHistory, ChannelSlugHistory.channel_id == Channel.id)
                                 .where(ChannelSlugHistory.group_id == group_id, ChannelSlugHistory.slug == slug,
                                        Channel.group_id == group_id, Channel.merged_into_id.is_(None)))
    if channel is None:
        raise NotFound("Channel not found.")
    return ChannelOut.model_validate(channel)


def get_channel(session: Session, actor: User, *, channel_id: int) -> ChannelOut:
    return ChannelOut.model_validate(access_channel(session, actor, channel_id, GroupAction.read).channel)


def _unique_channel_slug(session: Session, group_id: int, name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, n = base, 2
    while True:
        stmt = select(Channel.id).where(Channel.group_id == group_id, Channel.slug == slug)
        if exclude_id is not None:
            stmt = stmt.where(Channel.id != exclude_id)
        if session.scalar(stmt) is None:
            return slug
        slug, n = f"{base[:75]}-{n}", n + 1


def _name_taken(session: Session, group_id: int, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Channel.id).where(Channel.group_id == group_id, func.lower(Channel.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Channel.id != exclude_id)
    return session.scalar(stmt) is not None


def _channel_name_taken() -> Conflict:
    return Conflict("This group already has a channel with that name.", field="name", code="channel_name_taken")


def create_channel(session: Session, actor: User, *, group_id: int, data: ChannelCreate) -> ChannelOut:
    access = access_group(session, actor, group_id, GroupAction.administer)
    # No constraint knows that names differ in case only (two slugs may), so two admins naming a channel at the
    # same moment take turns on the group, and the second one's check sees the first one's channel.
    lock_group_row(session, group_id)
    if _name_taken(session, group_id, data.name):
        raise _channel_name_taken()
    channel = Channel(group_id=access.group.id, name=data.name, description=data.description,
                      slug=_unique_channel_slug(session, group_id, data.name))
    session.add(channel)
    session.flush()
    out = ChannelOut.model_validate(channel)
    record_event(session, ChannelCreated(topic=group_topic(group_id), payload=out))
    return out


def update_channel(session: Session, actor: User, *, channel_id: int, data: ChannelUpdate) -> ChannelOut:
    access = access_channel(session, actor, channel_id, GroupAction.administer)
    channel = access.channel
    if data.name is not None and data.name != channel.name:
        lock_group_row(session, channel.group_id)  # as in create_channel
        if _name_taken(session, channel.group_id, data.name, exclude_id=channel.id):
            raise _channel_name_taken()
        channel.name = data.name
        old_slug = channel.slug
        channel.slug = _unique_channel_slug(session, channel.group_id, data.name, exclude_id=channel.id)
        if channel.slug != old_slug:
            remember_slug(session, ChannelSlugHistory(slug=old_slug, group_id=channel.group_id, channel_id=channel.id))
    if data.description is not None:
        channel.description = data.description
    if data.archived is not None:
        if data.archived and channel.is_default:
            raise Conflict("The group's default channel cannot be archived.", field="archived")
        channel.archived_at = (channel.archived_at or utcnow()) if data.archived else None
    session.flush()
    out = ChannelOut.model_validate(channel)
    for topic in (group_topic(channel.group_id), channel_topic(channel.id)):
        record_event(session, ChannelUpdated(topic=topic, payload=out))
    return out


def reorder_channels(session: Session, actor: User, *, group_id: int, channel_ids: list[int]) -> list[ChannelOut]:
    """The group's open channels in the order given: every one of them, each once."""
    access_group(session, actor, group_id, GroupAction.administer)
    lock_group_row(session, group_id)  # a channel made or archived meanwhile waits, and then the list is checked
    channels = {c.id: c for c in session.scalars(select(Channel).where(Channel.group_id == group_id,
                                                                       Channel.archived_at.is_(None)))}
    if sorted(channel_ids) != sorted(channels):
        raise Invalid("List every open channel of the group once, in the new order.", field="channel_ids")
    for position, channel_id in enumerate(channel_ids):
        channels[channel_id].position = position
    session.flush()
    ordered = [ChannelOut.model_validate(channels[i]) for i in channel_ids]
    for out in ordered:
        record_event(session, ChannelUpdated(topic=group_topic(group_id), payload=out))
    return ordered
