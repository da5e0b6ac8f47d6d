"""Membership: joining (open groups), join requests (closed ones), invitations (the way into a secret one),
leaving, removing, roles, the member list."""
from __future__ import annotations

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.access import (
    GroupAccess,
    GroupAction,
    SiteAction,
    access_group,
    allowed,
    can_join_directly,
    can_request_to_join,
    check,
    group_access,
    lock_group_row,
)
from app.db import rows_changed, upsert, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import (
    GroupInvitationCreated,
    InvitationRef,
    JoinRequestCreated,
    JoinRequestDecided,
    JoinRequestDecision,
    JoinRequestRef,
    MembershipChange,
    MembershipChanged,
    group_topic,
    record_event,
    user_topic,
)
from app.i18n import N_
from app.models import Group, GroupInvitation, JoinRequest, Membership, User
from app.models.enums import AuditAction, GroupRole, NotificationKind, RequestStatus
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.groups import (
    InvitationOut,
    JoinOut,
    JoinRequestOut,
    MemberOut,
)
from app.services import audit, notifications
from app.services.groups.directory import get_group, group_out, seen_by, visible_ancestors
from app.services.views import user_summary, user_summary_or_none


def _add_member(session: Session, group: Group, user_id: int, role: GroupRole = GroupRole.member) -> bool:
    """Make her a member. False: she already was, possibly since a concurrent request a moment ago — the unique
    constraint decides, not a check read before it (two clicks at once used to fail with an IntegrityError)."""
    added = upsert(session, Membership, [{"group_id": group.id, "user_id": user_id, "role": role.value,
                                          "created_at": utcnow()}],
                   index_elements=["group_id", "user_id"], returning=[Membership.id])
    if not added:
        return False
    # In SQL, not a recount: a count read before a concurrent join commits would lose that member.
    group.member_count = Group.member_count + 1
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
    changed = rows_changed(session,
        update(model).where(model.id == row_id, model.status == RequestStatus.pending).values(**values)
        .execution_options(synchronize_session=False))
    return bool(changed)


# What the loser of two decisions at once is told: what happened (and who did it, when someone did).
_REQUEST_DECIDED = {RequestStatus.approved.value: N_("This request was already approved."),
                    RequestStatus.declined.value: N_("This request was already declined."),
                    RequestStatus.cancelled.value: N_("This request was already cancelled.")}
_REQUEST_DECIDED_BY = {RequestStatus.approved.value: N_("This request was already approved by %(name)s."),
                       RequestStatus.declined.value: N_("This request was already declined by %(name)s.")}
_INVITATION_DECIDED = {RequestStatus.approved.value: N_("This invitation was already accepted."),
                       RequestStatus.declined.value: N_("This invitation was already declined."),
                       RequestStatus.cancelled.value: N_("This invitation was already cancelled.")}


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
    cancelled = rows_changed(session,
        update(JoinRequest).where(JoinRequest.group_id == group_id, JoinRequest.user_id == actor.id,
                                  JoinRequest.status == RequestStatus.pending)
        .values(status=RequestStatus.cancelled.value, decided_at=utcnow())
        .execution_options(synchronize_session=False))
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
    if not rows_changed(session, delete(Membership).where(Membership.id == membership.id)
                        .execution_options(synchronize_session=False)):
        raise NotFound("This person is not a member of the group.")
    session.expunge(membership)
    if user_id != actor.id:
        audit.record(session, actor, AuditAction.member_removed,
                     target_type="user", target_id=user_id, group_id=group_id,
                     before={"role": membership.role}, after={"role": None})
    access.group.member_count = case((Group.member_count > 0, Group.member_count - 1), else_=0)
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
        audit.record(session, actor, AuditAction.member_role_changed,
                     target_type="user", target_id=user_id, group_id=group_id,
                     before={"role": membership.role}, after={"role": role.value})
    membership.role = role
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
        by = session.get(User, request.decided_by_id) if request.decided_by_id is not None else None
        if by is not None and request.status in _REQUEST_DECIDED_BY:
            raise Conflict(_REQUEST_DECIDED_BY[request.status], code="already_decided",
                           params={"name": by.display_name})
        raise Conflict(_REQUEST_DECIDED[request.status], code="already_decided")
    audit.record(session, actor, AuditAction(f"join_request.{request.status}"),
                 target_type="user", target_id=request.user_id,
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


def _invitation_out(session: Session, actor: User, invitation: GroupInvitation) -> InvitationOut:
    group = session.get(Group, invitation.group_id)
    user = session.get(User, invitation.user_id)
    assert group is not None and user is not None
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    access = group_access(session, actor, group)
    return InvitationOut(
        id=invitation.id, user=user_summary(user),
        group=group_out(access, ancestors=visible_ancestors(session, group, seen_by(session, actor)),
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


def list_group_invitations(session: Session, actor: User, *, group_id: int) -> list[InvitationOut]:
    """The invitations into the group nobody has answered yet, oldest first (its admins)."""
    access_group(session, actor, group_id, GroupAction.administer)
    invitations = session.scalars(
        select(GroupInvitation)
        .where(GroupInvitation.group_id == group_id, GroupInvitation.status == RequestStatus.pending)
        .order_by(GroupInvitation.created_at, GroupInvitation.id))
    return [_invitation_out(session, actor, i) for i in invitations]


def withdraw_invitation(session: Session, actor: User, *, invitation_id: int) -> None:
    """A group admin takes back an invitation that was not answered yet."""
    invitation = session.get(GroupInvitation, invitation_id)
    if invitation is None:
        raise NotFound("Invitation not found.")
    access_group(session, actor, invitation.group_id, GroupAction.administer)
    if not _settle(session, GroupInvitation, invitation.id, RequestStatus.cancelled):
        session.refresh(invitation)
        raise Conflict(_INVITATION_DECIDED[invitation.status], code="already_decided")


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
        raise Conflict(_INVITATION_DECIDED[invitation.status], code="already_decided")
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
