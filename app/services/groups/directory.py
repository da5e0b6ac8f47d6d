"""The group directory: the tree of groups as each member may see it; creating and changing groups."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.access import (
    GroupAccess,
    GroupAction,
    SiteAction,
    access_group,
    allowed,
    can_view_group,
    group_access,
    moved_group,
    require,
    visible_groups,
)
from app.db import constraint_decides, utcnow
from app.errors import Conflict, Invalid, Moved, NotFound
from app.events import (
    GroupUpdated,
    group_topic,
    record_event,
)
from app.models import (
    Channel,
    ChannelSlugHistory,
    Group,
    GroupInvitation,
    GroupSlugHistory,
    JoinRequest,
    Membership,
    User,
)
from app.models.enums import AuditAction, GroupKind, GroupRole, RequestStatus, Visibility
from app.schemas.groups import (
    GroupCreate,
    GroupOut,
    GroupRef,
    GroupUpdate,
)
from app.services import audit, search
from app.services.text import fold, slugify

DEFAULT_CHANNEL = "Algemeen"


def _ancestors(group: Group, visible_parent: Callable[[int], Group | None]) -> list[GroupRef]:
    """The parents of `group`, top first, up to the first one `visible_parent` does not give (None)."""
    chain: list[GroupRef] = []
    seen: set[int] = set()
    parent_id = group.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = visible_parent(parent_id)
        if parent is None:
            break
        chain.insert(0, GroupRef(id=parent.id, slug=parent.slug, name=parent.name))
        parent_id = parent.parent_id
    return chain


def group_out(access: GroupAccess, *, ancestors: list[GroupRef] | None = None,
              request_status: RequestStatus | None = None, invitation_id: int | None = None) -> GroupOut:
    group = access.group
    ancestors = ancestors or []
    # A parent the viewer may not see (a secret group) does not exist for her, not even its id;
    # the chain of ancestors stops below it, so an empty chain means the parent is not shown.
    return GroupOut(
        id=group.id, slug=group.slug, name=group.name, description=group.description, kind=group.kind,
        visibility=group.visibility, parent_id=group.parent_id if ancestors else None, ancestors=ancestors,
        member_count=group.member_count, created_at=group.created_at, archived=group.archived_at is not None,
        premoderated=group.premoderated,
        my_role=access.role, my_request=request_status, my_invitation_id=invitation_id,
        can_read=access.allows(GroupAction.read),
        can_post=access.allows(GroupAction.post) and group.archived_at is None,
        can_administer=access.allows(GroupAction.administer),
    )


def _my_pending(session: Session, actor: User,
                group_ids: Sequence[int]) -> tuple[dict[int, RequestStatus], dict[int, int]]:
    requests = {
        gid: status for gid, status in session.execute(
            select(JoinRequest.group_id, JoinRequest.status)
            .where(JoinRequest.user_id == actor.id, JoinRequest.group_id.in_(group_ids),
                   JoinRequest.status == RequestStatus.pending)
        )
    }
    invitations = {
        gid: iid for gid, iid in session.execute(
            select(GroupInvitation.group_id, GroupInvitation.id)
            .where(GroupInvitation.user_id == actor.id, GroupInvitation.group_id.in_(group_ids),
                   GroupInvitation.status == RequestStatus.pending)
        )
    }
    return requests, invitations


def list_groups(session: Session, actor: User, *, kind: GroupKind | None = None, q: str | None = None,
                mine: bool = False, include_archived: bool = False) -> list[GroupOut]:
    """The directory: every group the actor may see, parents before children, filterable."""
    groups = list(session.scalars(select(Group).where(Group.merged_into_id.is_(None),
                                                      Group.id.in_(visible_groups(actor))).order_by(Group.name)))
    memberships = {
        m.group_id: m for m in session.scalars(select(Membership).where(Membership.user_id == actor.id))
    }
    staff = allowed(actor, SiteAction.moderate)
    visible = [GroupAccess(group=g, membership=memberships.get(g.id), staff=staff) for g in groups]
    by_id = {a.group.id: a.group for a in visible}
    needle = fold(q.strip()) if q else ""
    selected = [
        a for a in visible
        if (kind is None or a.group.kind == kind)
        and (not needle or needle in fold(a.group.name) or needle in a.group.slug)
        and (not mine or a.is_member)
        and (include_archived or a.group.archived_at is None)
    ]
    requests, invitations = _my_pending(session, actor, [a.group.id for a in selected])
    out = [
        group_out(a, ancestors=_ancestors(a.group, by_id.get), request_status=requests.get(a.group.id),
                  invitation_id=invitations.get(a.group.id))
        for a in selected
    ]
    out.sort(key=lambda g: [fold(r.name) for r in g.ancestors] + [fold(g.name)])
    return out


def list_member_groups(session: Session, actor: User, *, user_id: int) -> list[GroupRef]:
    """The groups a member is in, as far as the actor may know they exist (a secret group only to its members)."""
    rows = session.scalars(select(Group).join(Membership, Membership.group_id == Group.id)
                           .where(Membership.user_id == user_id, Group.merged_into_id.is_(None),
                                  Group.id.in_(visible_groups(actor))).order_by(Group.name))
    return [GroupRef(id=g.id, slug=g.slug, name=g.name) for g in rows]


def get_group(session: Session, actor: User, *, group_id: int) -> GroupOut:
    access = access_group(session, actor, group_id, GroupAction.view)
    return _group_out_full(session, actor, access)


def get_group_by_slug(session: Session, actor: User, *, slug: str) -> GroupOut:
    slug = slug.lower()
    group = session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        # A slug it had before it was renamed: the link leads to the group as it is called now, for whoever may
        # see it (the same 404 as a slug that never existed for anyone else).
        renamed = session.scalar(select(Group).join(GroupSlugHistory, GroupSlugHistory.group_id == Group.id)
                                 .where(GroupSlugHistory.slug == slug))
        if renamed is None:
            raise NotFound("Group not found.")
        raise Moved(slug, moved_group(session, actor, renamed).slug)
    if group.merged_into_id is not None:
        raise Moved(slug, moved_group(session, actor, group).slug)
    return get_group(session, actor, group_id=group.id)


def visible_ancestors(session: Session, group: Group, visible: Callable[[Group], bool]) -> list[GroupRef]:
    """The parents of `group`, top first, up to the first one that `visible` rejects."""

    def visible_parent(group_id: int) -> Group | None:
        parent = session.get(Group, group_id)
        return parent if parent is not None and visible(parent) else None

    return _ancestors(group, visible_parent)


def seen_by(session: Session, actor: User) -> Callable[[Group], bool]:
    return lambda group: group_access(session, actor, group).allows(GroupAction.view)


def _seen_by_everyone(group: Group) -> bool:
    return can_view_group(group.visibility, None, False)


def _group_out_full(session: Session, actor: User, access: GroupAccess) -> GroupOut:
    chain = visible_ancestors(session, access.group, seen_by(session, actor))
    requests, invitations = _my_pending(session, actor, [access.group.id])
    return group_out(access, ancestors=chain, request_status=requests.get(access.group.id),
                     invitation_id=invitations.get(access.group.id))


def _unique_slug(session: Session, wanted: str, *, exclude_id: int | None = None) -> str:
    slug = wanted
    n = 2
    while True:
        stmt = select(Group.id).where(Group.slug == slug)
        if exclude_id is not None:
            stmt = stmt.where(Group.id != exclude_id)
        if session.scalar(stmt) is None:
            return slug
        slug = f"{wanted[:75]}-{n}"
        n += 1


def _free_slug(session: Session, actor: User, wanted: str, *, exclude_id: int | None = None) -> str:
    """The slug she asked for, or — when a group she may not see holds it — the next free one, as a name gets: a
    secret group must not be found out by trying its slug. A group she can see answers `slug_taken` as before.
    One query either way (the holder and her membership of it), so a taken slug costs what a free one does."""
    holder = session.execute(
        select(Group.id, Group.visibility, Membership.role)
        .outerjoin(Membership, (Membership.group_id == Group.id) & (Membership.user_id == actor.id))
        .where(Group.slug == wanted, Group.id != (exclude_id or 0))).first()
    if holder is None:
        return wanted
    if can_view_group(holder.visibility, holder.role, allowed(actor, SiteAction.moderate)):
        raise _slug_taken()
    return _unique_slug(session, wanted, exclude_id=exclude_id)


def remember_slug(session: Session, entry: GroupSlugHistory | ChannelSlugHistory) -> None:
    """Old links with the entry's slug keep working: the group (or channel) renamed from it takes the slug's entry
    over from whoever left it before. A group or channel that has the slug now wins over the entry."""
    model = type(entry)
    stale = delete(model).where(model.slug == entry.slug)
    if isinstance(entry, ChannelSlugHistory):
        stale = stale.where(ChannelSlugHistory.group_id == entry.group_id)
    session.execute(stale)
    with constraint_decides(session, Conflict("Someone renamed this at the same moment; try again.",
                                              code="renamed_meanwhile")):
        session.add(entry)


def _slug_taken() -> Conflict:
    return Conflict("Another group already uses this slug.", field="slug", code="slug_taken")


def _check_parent(session: Session, actor: User, parent_id: int, *, group_id: int | None = None) -> None:
    try:
        access_group(session, actor, parent_id, GroupAction.view)
    except NotFound:
        raise Invalid("The parent group does not exist.", field="parent_id") from None
    # A group cannot sit under itself or under one of its own descendants.
    current: int | None = parent_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current == group_id:
            raise Invalid("A group cannot sit under itself or its own subgroup.", field="parent_id")
        seen.add(current)
        current = session.scalar(select(Group.parent_id).where(Group.id == current))


def create_group(session: Session, actor: User, *, data: GroupCreate) -> GroupOut:
    require(actor, SiteAction.create_groups)
    if data.parent_id is not None:
        _check_parent(session, actor, data.parent_id)
    if data.slug and session.scalar(select(Group.id).where(Group.slug == data.slug)) is not None:
        raise _slug_taken()
    slug = data.slug or _unique_slug(session, slugify(data.name))
    group = Group(
        slug=slug, name=data.name, description=data.description, kind=data.kind.value,
        visibility=data.visibility.value, parent_id=data.parent_id, created_by_id=actor.id, member_count=1,
    )
    with constraint_decides(session, _slug_taken() if data.slug else Conflict(
            "A group of this name was created a moment ago; choose another name.", field="name",
            code="slug_taken")):
        session.add(group)
    session.add(Membership(group_id=group.id, user_id=actor.id, role=GroupRole.admin.value))
    session.add(Channel(group_id=group.id, slug=slugify(DEFAULT_CHANNEL), name=DEFAULT_CHANNEL, is_default=True))
    session.flush()
    search.index_group(session, group)
    audit.record(session, actor, AuditAction.group_created, target_type="group", target_id=group.id,
                 group_id=group.id, after={"name": group.name, "kind": group.kind, "visibility": group.visibility,
                                           "parent_id": group.parent_id})
    return get_group(session, actor, group_id=group.id)


def create_site_group(session: Session, *, name: str, kind: GroupKind, visibility: Visibility,
                      description: str = "") -> Group:
    """A group the site makes for itself (the comments on articles): no creator, the staff look after it."""
    group = Group(slug=_unique_slug(session, slugify(name)), name=name, description=description, kind=kind.value,
                  visibility=visibility.value, member_count=0)
    session.add(group)
    session.flush()
    session.add(Channel(group_id=group.id, slug=slugify(DEFAULT_CHANNEL), name=DEFAULT_CHANNEL, is_default=True))
    session.flush()
    audit.record(session, None, AuditAction.group_created, target_type="group", target_id=group.id,
                 group_id=group.id, after={"name": group.name, "kind": group.kind, "visibility": group.visibility})
    search.index_group(session, group)
    return group


def _settings(group: Group) -> dict[str, object]:
    """A group's settings as the audit log records them."""
    return {"name": group.name, "slug": group.slug, "description": group.description, "visibility": group.visibility,
            "parent_id": group.parent_id, "archived": group.archived_at is not None, "premoderated": group.premoderated}


def update_group(session: Session, actor: User, *, group_id: int, data: GroupUpdate) -> GroupOut:
    access = access_group(session, actor, group_id, GroupAction.administer)
    group = access.group
    before = _settings(group)
    fields = data.model_fields_set
    if {"parent_id", "archived"} & fields:
        require(actor, SiteAction.organise_groups)
    if data.name is not None:
        group.name = data.name
    if data.description is not None:
        group.description = data.description
    if data.slug is not None and data.slug != group.slug:
        old_slug = group.slug
        with constraint_decides(session, _slug_taken()):
            group.slug = _free_slug(session, actor, data.slug, exclude_id=group.id)
        remember_slug(session, GroupSlugHistory(slug=old_slug, group_id=group.id))
    if data.visibility is not None:
        group.visibility = data.visibility
    if "parent_id" in fields:
        if data.parent_id is not None:
            _check_parent(session, actor, data.parent_id, group_id=group.id)
        group.parent_id = data.parent_id
    if data.archived is not None:
        group.archived_at = (group.archived_at or utcnow()) if data.archived else None
    if data.premoderated is not None:
        group.premoderated = data.premoderated
    session.flush()
    search.index_group(session, group)
    after = _settings(group)
    if after["visibility"] != before["visibility"]:  # who can see it changed: its own entry, to find it by
        audit.record(session, actor, AuditAction.group_visibility_changed, target_type="group", target_id=group.id,
                     group_id=group.id, before={"visibility": before["visibility"]},
                     after={"visibility": after["visibility"]})
        del before["visibility"], after["visibility"]
    if after != before:
        audit.record(session, actor, AuditAction.group_updated,
                     target_type="group", target_id=group.id, group_id=group.id,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    # Every member receives the event, so it carries only what all of them may see: no secret parent.
    neutral = group_out(GroupAccess(group=group, membership=None, staff=False),
                        ancestors=visible_ancestors(session, group, _seen_by_everyone))
    record_event(session, GroupUpdated(topic=group_topic(group.id), payload=neutral))
    return get_group(session, actor, group_id=group.id)
