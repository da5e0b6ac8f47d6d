"""Groups, memberships, join requests, invitations and channels."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.access import (
    GroupAccess,
    GroupAction,
    SiteAction,
    access_channel,
    access_group,
    allowed,
    can_join_directly,
    can_request_to_join,
    can_view_group,
    check,
    group_access,
    lock_group_row,
    moved_group,
    require,
    visible_groups,
)
from app.db import constraint_decides, upsert, utcnow
from app.errors import Conflict, Invalid, Moved, NotFound
from app.events import (
    ChannelCreated,
    ChannelUpdated,
    GroupInvitationCreated,
    GroupUpdated,
    InvitationRef,
    JoinRequestCreated,
    JoinRequestDecided,
    JoinRequestDecision,
    JoinRequestRef,
    MembershipChange,
    MembershipChanged,
    channel_topic,
    group_topic,
    record_event,
    user_topic,
)
from app.models import Channel, Group, GroupInvitation, JoinRequest, Membership, User
from app.models.enums import GroupKind, GroupRole, NotificationKind, RequestStatus, Visibility
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.groups import (
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    GroupCreate,
    GroupOut,
    GroupRef,
    GroupUpdate,
    InvitationOut,
    JoinOut,
    JoinRequestOut,
    MemberOut,
)
from app.services import audit, notifications, search
from app.services.text import fold, slugify
from app.services.views import user_summary, user_summary_or_none

DEFAULT_CHANNEL = "Algemeen"


# --- reading -------------------------------------------------------------------------------------


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
              request_status: str | None = None, invitation_id: int | None = None) -> GroupOut:
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


def _my_pending(session: Session, actor: User, group_ids: Sequence[int]) -> tuple[dict[int, str], dict[int, int]]:
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
    group = session.scalar(select(Group).where(Group.slug == slug.lower()))
    if group is None:
        raise NotFound("Group not found.")
    if group.merged_into_id is not None:
        raise Moved(slug, moved_group(session, actor, group).slug)
    return get_group(session, actor, group_id=group.id)


def _visible_ancestors(session: Session, group: Group, visible: Callable[[Group], bool]) -> list[GroupRef]:
    """The parents of `group`, top first, up to the first one that `visible` rejects."""

    def visible_parent(group_id: int) -> Group | None:
        parent = session.get(Group, group_id)
        return parent if parent is not None and visible(parent) else None

    return _ancestors(group, visible_parent)


def _seen_by(session: Session, actor: User) -> Callable[[Group], bool]:
    return lambda group: group_access(session, actor, group).allows(GroupAction.view)


def _seen_by_everyone(group: Group) -> bool:
    return can_view_group(group.visibility, None, False)


def _group_out_full(session: Session, actor: User, access: GroupAccess) -> GroupOut:
    chain = _visible_ancestors(session, access.group, _seen_by(session, actor))
    requests, invitations = _my_pending(session, actor, [access.group.id])
    return group_out(access, ancestors=chain, request_status=requests.get(access.group.id),
                     invitation_id=invitations.get(access.group.id))


# --- creating and changing groups ----------------------------------------------------------------


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
        with constraint_decides(session, _slug_taken()):
            group.slug = _free_slug(session, actor, data.slug, exclude_id=group.id)
    if data.visibility is not None:
        group.visibility = data.visibility.value
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
    if after != before:
        audit.record(session, actor, "group.updated", target_type="group", target_id=group.id, group_id=group.id,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})
    # Every member receives the event, so it carries only what all of them may see: no secret parent.
    neutral = group_out(GroupAccess(group=group, membership=None, staff=False),
                        ancestors=_visible_ancestors(session, group, _seen_by_everyone))
    record_event(session, GroupUpdated(topic=group_topic(group.id), payload=neutral))
    return get_group(session, actor, group_id=group.id)


# --- membership ----------------------------------------------------------------------------------


def _add_member(session: Session, group: Group, user_id: int, role: GroupRole = GroupRole.member) -> bool:
    """Make her a member. False: she already was, possibly since a concurrent request a moment ago — the unique
    constraint decides, not a check read before it (two clicks at once used to fail with an IntegrityError)."""
    added = upsert(session, Membership, [{"group_id": group.id, "user_id": user_id, "role": role.value,
                                          "created_at": utcnow()}],
                   index_elements=["group_id", "user_id"], returning=[Membership.id])
    if not added:
        return False
    # In SQL, not a recount: a count read before a concurrent join commits would lose that member.
    group.member_count = Group.member_count + 1  # type: ignore[assignment]
    session.flush()
    record_event(session, MembershipChanged(topic=group_topic(group.id), payload=MembershipChange(
        group_id=group.id, user_id=user_id, role=role)))
    return True


def _settle(session: Session, model: type[JoinRequest] | type[GroupInvitation], row_id: int, status: RequestStatus,
            decided_by_id: int | None = None) -> bool:
    """Decide a pending request or invitation, if it is still pending: one conditional UPDATE, so of two
    decisions at the same moment exactly one changes it (the other waits on the row, then finds it decided)."""
    values: dict[str, object] = {"status": status.value, "decided_at": utcnow()}
    if decided_by_id is not None:
        values["decided_by_id"] = decided_by_id
    changed = session.execute(
        update(model).where(model.id == row_id, model.status == RequestStatus.pending).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    return bool(changed)


_DECIDED_AS = {RequestStatus.approved.value: "approved", RequestStatus.declined.value: "declined",
               RequestStatus.cancelled.value: "cancelled"}


def join_group(session: Session, actor: User, *, group_id: int, message: str = "") -> JoinOut:
    invitation = session.scalar(
        select(GroupInvitation).where(GroupInvitation.group_id == group_id, GroupInvitation.user_id == actor.id,
                                      GroupInvitation.status == RequestStatus.pending)
    )
    row = session.execute(select(Group, Membership).outerjoin(
        Membership, (Membership.group_id == Group.id) & (Membership.user_id == actor.id)).where(Group.id == group_id)
    ).first()  # one query, found or not: a secret group costs what a missing one does
    if row is None:
        raise NotFound("Group not found.")
    group = row[0]
    # Whoever a group admin invited may see the group she is invited to, secret or not.
    access = GroupAccess(group=group, membership=row[1], staff=allowed(actor, SiteAction.moderate))
    if invitation is None:
        check(access, GroupAction.view)
    if access.is_member:
        # Joining is idempotent: a second click, a second tab or a retry hears the same answer as the first.
        return JoinOut(status="member", group=get_group(session, actor, group_id=group.id))
    if group.archived_at is not None:
        raise Conflict("This group is archived.", code="group_archived")
    if can_join_directly(group.visibility, staff=access.staff, invited=invitation is not None):
        if invitation is not None and not _settle(session, GroupInvitation, invitation.id, RequestStatus.approved):
            raise Conflict("You declined this invitation a moment ago.", code="already_decided")
        if not _add_member(session, group, actor.id):
            session.refresh(group)  # a concurrent join won: show the count it committed
        return JoinOut(status="member", group=get_group(session, actor, group_id=group.id))
    if not can_request_to_join(group.visibility):
        raise NotFound("Group not found.")
    created = upsert(session, JoinRequest, [{"group_id": group.id, "user_id": actor.id, "message": message,
                                             "status": RequestStatus.pending.value, "created_at": utcnow()}],
                     index_elements=["group_id", "user_id"], index_where=_PENDING, returning=[JoinRequest.id])
    if not created:
        raise Conflict("You already asked to join; a group admin will decide.", code="join_request_pending")
    record_event(session, JoinRequestCreated(topic=group_topic(group.id), payload=JoinRequestRef(
        group_id=group.id, request_id=created[0].id, user_id=actor.id)))
    return JoinOut(status="requested", group=get_group(session, actor, group_id=group.id))


# The predicate of the unique partial indexes on pending requests and invitations, word for word (PostgreSQL
# infers the index of ON CONFLICT from it; a bound parameter would not match).
_PENDING = text("status = 'pending'")


def cancel_join_request(session: Session, actor: User, *, group_id: int) -> None:
    access_group(session, actor, group_id, GroupAction.view)
    cancelled = session.execute(
        update(JoinRequest).where(JoinRequest.group_id == group_id, JoinRequest.user_id == actor.id,
                                  JoinRequest.status == RequestStatus.pending)
        .values(status=RequestStatus.cancelled.value, decided_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not cancelled:
        raise NotFound("You have no open request for this group.")


def _other_admins(session: Session, group_id: int, user_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.group_id == group_id, Membership.role == GroupRole.admin, Membership.user_id != user_id)
    ) or 0


def remove_member(session: Session, actor: User, *, group_id: int, user_id: int) -> None:
    """Leave (user_id is the actor) or remove someone (group admins)."""
    action = GroupAction.view if user_id == actor.id else GroupAction.administer
    access = access_group(session, actor, group_id, action)
    # "Is there another admin?" is a read no constraint guards: two admins leaving (or removing each other) at
    # once would both see the other and leave none. The group's lock makes them take turns.
    lock_group_row(session, group_id)
    session.refresh(access.group)
    membership = session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("This person is not a member of the group.")
    if membership.role == GroupRole.admin and _other_admins(session, group_id, user_id) == 0 \
            and access.group.member_count > 1:
        raise Conflict("The group needs another admin first.", field="user_id")
    # Of two removals at once (two tabs, or the member and an admin) only one deletes the row and counts.
    if not session.execute(delete(Membership).where(Membership.id == membership.id)
                           .execution_options(synchronize_session=False)).rowcount:
        raise NotFound("This person is not a member of the group.")
    session.expunge(membership)
    if user_id != actor.id:
        audit.record(session, actor, "member.removed", target_type="user", target_id=user_id, group_id=group_id,
                     before={"role": membership.role}, after={"role": None})
    access.group.member_count = case((Group.member_count > 0, Group.member_count - 1), else_=0)  # type: ignore[assignment]
    session.flush()
    left = MembershipChange(group_id=group_id, user_id=user_id, role=None)
    for topic in (group_topic(group_id), user_topic(user_id)):
        record_event(session, MembershipChanged(topic=topic, payload=left))


def set_member_role(session: Session, actor: User, *, group_id: int, user_id: int, role: GroupRole) -> MemberOut:
    role = GroupRole(role)  # callers other than the API (the test factories, scripts) pass a plain string
    access_group(session, actor, group_id, GroupAction.administer)
    lock_group_row(session, group_id)  # as in remove_member: the last admin is not demoted twice at once
    membership = session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("This person is not a member of the group.")
    demoting_last_admin = membership.role == GroupRole.admin and role != GroupRole.admin
    if demoting_last_admin and _other_admins(session, group_id, user_id) == 0:
        raise Conflict("The group needs another admin first.", field="role")
    if membership.role != role.value:
        audit.record(session, actor, "member.role_changed", target_type="user", target_id=user_id, group_id=group_id,
                     before={"role": membership.role}, after={"role": role.value})
    membership.role = role.value
    record_event(session, MembershipChanged(topic=group_topic(group_id), payload=MembershipChange(
        group_id=group_id, user_id=user_id, role=role)))
    user = session.get(User, user_id)
    assert user is not None
    return MemberOut(user=user_summary(user), role=role, joined_at=membership.created_at)


def list_members(session: Session, actor: User, *, group_id: int, cursor: str | None, limit: int | None,
                 ) -> Page[MemberOut]:
    access_group(session, actor, group_id, GroupAction.read)
    n = clamp_limit(limit)
    stmt = keyset(
        select(Membership, User).join(User, User.id == Membership.user_id).where(Membership.group_id == group_id),
        (Membership.id,), cursor, descending=False, types=(int,),
    ).limit(n + 1)
    rows = session.execute(stmt).all()
    items = [MemberOut(user=user_summary(u), role=m.role, joined_at=m.created_at) for m, u in rows[:n]]
    return Page(items=items, next_cursor=encode_cursor(rows[n - 1][0].id) if len(rows) > n else None)


# --- join requests -------------------------------------------------------------------------------


def _request_out(request: JoinRequest, user: User) -> JoinRequestOut:
    return JoinRequestOut(id=request.id, group_id=request.group_id, user=user_summary(user), message=request.message,
                          status=request.status, created_at=request.created_at, decided_at=request.decided_at)


def list_join_requests(session: Session, actor: User, *, group_id: int) -> list[JoinRequestOut]:
    access_group(session, actor, group_id, GroupAction.administer)
    rows = session.execute(
        select(JoinRequest, User).join(User, User.id == JoinRequest.user_id)
        .where(JoinRequest.group_id == group_id, JoinRequest.status == RequestStatus.pending)
        .order_by(JoinRequest.created_at)
    ).all()
    return [_request_out(r, u) for r, u in rows]


def decide_join_request(session: Session, actor: User, *, request_id: int, approve: bool) -> JoinRequestOut:
    request = session.get(JoinRequest, request_id)
    if request is None:
        raise NotFound("Join request not found.")
    try:
        access = access_group(session, actor, request.group_id, GroupAction.administer)
    except NotFound:
        raise NotFound("Join request not found.") from None
    decision = RequestStatus.approved if approve else RequestStatus.declined
    won = _settle(session, JoinRequest, request.id, decision, decided_by_id=actor.id)
    session.refresh(request)
    if not won:
        raise Conflict(_already_decided(session, "This request", request.status, request.decided_by_id),
                       code="already_decided")
    audit.record(session, actor, f"join_request.{request.status}", target_type="user", target_id=request.user_id,
                 group_id=request.group_id, before={"status": "pending"}, after={"status": request.status})
    if approve:
        _add_member(session, access.group, request.user_id)
    record_event(session, JoinRequestDecided(topic=user_topic(request.user_id), payload=JoinRequestDecision(
        group_id=request.group_id, request_id=request.id, status=request.status)))
    notifications.notify_member(session, actor, user_id=request.user_id, kind=NotificationKind.join_request,
                                group=access.group, group_key=f"join_request:{request.id}", detail=request.status)
    user = session.get(User, request.user_id)
    assert user is not None
    return _request_out(request, user)


def _already_decided(session: Session, what: str, status: str, decided_by_id: int | None) -> str:
    """What the loser of two decisions at once is told: what happened, and who did it."""
    by = session.get(User, decided_by_id) if decided_by_id is not None else None
    return f"{what} was already {_DECIDED_AS.get(status, status)}" + (f" by {by.display_name}." if by else ".")


# --- invitations (the way into a secret group) ---------------------------------------------------


def _invitation_out(session: Session, actor: User, invitation: GroupInvitation) -> InvitationOut:
    group = session.get(Group, invitation.group_id)
    user = session.get(User, invitation.user_id)
    assert group is not None and user is not None
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    access = group_access(session, actor, group)
    return InvitationOut(
        id=invitation.id, user=user_summary(user),
        group=group_out(access, ancestors=_visible_ancestors(session, group, _seen_by(session, actor)),
                        invitation_id=invitation.id),
        invited_by=user_summary_or_none(inviter), status=invitation.status, created_at=invitation.created_at,
    )


def invite_to_group(session: Session, actor: User, *, group_id: int, user_id: int) -> InvitationOut:
    access = access_group(session, actor, group_id, GroupAction.administer)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid("No active member with this id.", field="user_id")
    if group_access(session, user, access.group).is_member:
        raise Conflict("This person is already a member.", field="user_id")
    # Inviting is idempotent: whoever invites her while an invitation is open (also at the same moment) gets that
    # one invitation back; the unique index on pending invitations decides which insert made it.
    invitation = None
    while invitation is None:  # again if the one that was in the way was declined a moment later
        created = upsert(session, GroupInvitation, [{"group_id": group_id, "user_id": user_id,
                                                     "invited_by_id": actor.id, "status": RequestStatus.pending.value,
                                                     "created_at": utcnow()}],
                         index_elements=["group_id", "user_id"], index_where=_PENDING, returning=[GroupInvitation.id])
        invitation = session.scalar(
            select(GroupInvitation).where(GroupInvitation.group_id == group_id, GroupInvitation.user_id == user_id,
                                          GroupInvitation.status == RequestStatus.pending))
    if created:
        record_event(session, GroupInvitationCreated(topic=user_topic(user_id), payload=InvitationRef(
            group_id=group_id, invitation_id=invitation.id)))
    return _invitation_out(session, actor, invitation)


def list_my_invitations(session: Session, actor: User) -> list[InvitationOut]:
    invitations = session.scalars(
        select(GroupInvitation)
        .where(GroupInvitation.user_id == actor.id, GroupInvitation.status == RequestStatus.pending)
        .order_by(GroupInvitation.created_at.desc())
    )
    return [_invitation_out(session, actor, i) for i in invitations]


def decide_invitation(session: Session, actor: User, *, invitation_id: int, accept: bool) -> InvitationOut:
    invitation = session.get(GroupInvitation, invitation_id)
    if invitation is None or invitation.user_id != actor.id:
        raise NotFound("Invitation not found.")
    won = _settle(session, GroupInvitation, invitation.id, RequestStatus.approved if accept else RequestStatus.declined)
    session.refresh(invitation)
    if not won:
        status = "accepted" if invitation.status == RequestStatus.approved else _DECIDED_AS.get(invitation.status)
        raise Conflict(f"This invitation was already {status}.", code="already_decided")
    group = session.get(Group, invitation.group_id)
    assert group is not None
    if accept:
        _add_member(session, group, actor.id)
    # Any open join request is settled by the invitation.
    session.execute(
        update(JoinRequest).where(JoinRequest.group_id == group.id, JoinRequest.user_id == actor.id,
                                  JoinRequest.status == RequestStatus.pending)
        .values(status=invitation.status, decided_at=utcnow())
    )
    return _invitation_out(session, actor, invitation)


# --- channels ------------------------------------------------------------------------------------


def list_channels(session: Session, actor: User, *, group_id: int, include_archived: bool = False) -> list[ChannelOut]:
    access_group(session, actor, group_id, GroupAction.read)
    stmt = select(Channel).where(Channel.group_id == group_id)
    if not include_archived:
        stmt = stmt.where(Channel.archived_at.is_(None))
    channels = session.scalars(stmt.order_by(Channel.is_default.desc(), Channel.name))
    return [ChannelOut.model_validate(c) for c in channels]


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
        channel.slug = _unique_channel_slug(session, channel.group_id, data.name, exclude_id=channel.id)
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

