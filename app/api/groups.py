from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.deps import CurrentUser, SessionDep
from app.models.enums import GroupKind
from app.pagination import Page
from app.schemas.common import PathId
from app.schemas.groups import (
    ChannelCreate,
    ChannelOrder,
    ChannelOut,
    ChannelUpdate,
    DuplicatePair,
    GroupCreate,
    GroupOut,
    GroupUpdate,
    InvitationCreate,
    InvitationOut,
    JoinIn,
    JoinOut,
    JoinRequestOut,
    MemberOut,
    MemberUpdate,
    SimilarGroup,
)
from app.schemas.merge import MergeIn, MergePreview, MergeResult
from app.services import duplicates, groups, merge

router = APIRouter(prefix="/api/v1", tags=["groups"])
Limit = Annotated[int | None, Query(ge=1, le=100)]


@router.get("/groups", response_model=list[GroupOut])
def list_groups(
    actor: CurrentUser, session: SessionDep, kind: GroupKind | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None, mine: bool = False, include_archived: bool = False,
) -> list[GroupOut]:
    return groups.list_groups(session, actor, kind=kind, q=q, mine=mine, include_archived=include_archived)


@router.get("/groups/similar", response_model=list[SimilarGroup])
def similar_groups(actor: CurrentUser, session: SessionDep, name: Annotated[str, Query(min_length=1, max_length=120)],
                   description: Annotated[str, Query(max_length=2000)] = "") -> list[SimilarGroup]:
    """Existing groups like the one about to be created."""
    return duplicates.similar_groups(session, actor, name=name, description=description)


@router.get("/groups/duplicates", response_model=list[DuplicatePair])
def duplicate_groups(actor: CurrentUser, session: SessionDep) -> list[DuplicatePair]:
    """For the community manager: pairs of groups that look like one."""
    return duplicates.duplicate_pairs(session, actor)


@router.post("/groups", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, actor: CurrentUser, session: SessionDep) -> GroupOut:
    return groups.create_group(session, actor, data=body)


@router.get("/groups/by-slug/{slug}", response_model=GroupOut)
def get_group_by_slug(slug: str, actor: CurrentUser, session: SessionDep) -> GroupOut:
    return groups.get_group_by_slug(session, actor, slug=slug)


@router.get("/groups/{group_id}", response_model=GroupOut)
def get_group(group_id: PathId, actor: CurrentUser, session: SessionDep) -> GroupOut:
    return groups.get_group(session, actor, group_id=group_id)


@router.patch("/groups/{group_id}", response_model=GroupOut)
def update_group(group_id: PathId, body: GroupUpdate, actor: CurrentUser, session: SessionDep) -> GroupOut:
    return groups.update_group(session, actor, group_id=group_id, data=body)


@router.post("/groups/{group_id}/join", response_model=JoinOut)
def join_group(group_id: PathId, actor: CurrentUser, session: SessionDep, body: JoinIn | None = None) -> JoinOut:
    return groups.join_group(session, actor, group_id=group_id, message=body.message if body else "")


@router.delete("/groups/{group_id}/join-request", status_code=status.HTTP_204_NO_CONTENT)
def cancel_join_request(group_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    groups.cancel_join_request(session, actor, group_id=group_id)


@router.get("/groups/{group_id}/members", response_model=Page[MemberOut])
def list_members(group_id: PathId, actor: CurrentUser, session: SessionDep, cursor: str | None = None,
                 limit: Limit = None) -> Page[MemberOut]:
    return groups.list_members(session, actor, group_id=group_id, cursor=cursor, limit=limit)


@router.patch("/groups/{group_id}/members/{user_id}", response_model=MemberOut)
def set_member_role(group_id: PathId, user_id: PathId, body: MemberUpdate, actor: CurrentUser,
                    session: SessionDep) -> MemberOut:
    return groups.set_member_role(session, actor, group_id=group_id, user_id=user_id, role=body.role)


@router.delete("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(group_id: PathId, user_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    groups.remove_member(session, actor, group_id=group_id, user_id=user_id)


@router.get("/groups/{group_id}/join-requests", response_model=list[JoinRequestOut])
def list_join_requests(group_id: PathId, actor: CurrentUser, session: SessionDep) -> list[JoinRequestOut]:
    return groups.list_join_requests(session, actor, group_id=group_id)


@router.post("/join-requests/{request_id}/approve", response_model=JoinRequestOut)
def approve_join_request(request_id: PathId, actor: CurrentUser, session: SessionDep) -> JoinRequestOut:
    return groups.decide_join_request(session, actor, request_id=request_id, approve=True)


@router.post("/join-requests/{request_id}/decline", response_model=JoinRequestOut)
def decline_join_request(request_id: PathId, actor: CurrentUser, session: SessionDep) -> JoinRequestOut:
    return groups.decide_join_request(session, actor, request_id=request_id, approve=False)


@router.post("/groups/{group_id}/invitations", response_model=InvitationOut, status_code=status.HTTP_201_CREATED)
def invite_to_group(group_id: PathId, body: InvitationCreate, actor: CurrentUser, session: SessionDep) -> InvitationOut:
    return groups.invite_to_group(session, actor, group_id=group_id, user_id=body.user_id)


@router.get("/groups/{group_id}/invitations", response_model=list[InvitationOut])
def list_group_invitations(group_id: PathId, actor: CurrentUser, session: SessionDep) -> list[InvitationOut]:
    """Invitations into the group not answered yet (its admins)."""
    return groups.list_group_invitations(session, actor, group_id=group_id)


@router.delete("/group-invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_invitation(invitation_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    groups.withdraw_invitation(session, actor, invitation_id=invitation_id)


@router.get("/me/group-invitations", response_model=list[InvitationOut])
def my_invitations(actor: CurrentUser, session: SessionDep) -> list[InvitationOut]:
    return groups.list_my_invitations(session, actor)


@router.post("/group-invitations/{invitation_id}/accept", response_model=InvitationOut)
def accept_invitation(invitation_id: PathId, actor: CurrentUser, session: SessionDep) -> InvitationOut:
    return groups.decide_invitation(session, actor, invitation_id=invitation_id, accept=True)


@router.post("/group-invitations/{invitation_id}/decline", response_model=InvitationOut)
def decline_invitation(invitation_id: PathId, actor: CurrentUser, session: SessionDep) -> InvitationOut:
    return groups.decide_invitation(session, actor, invitation_id=invitation_id, accept=False)


@router.get("/groups/{group_id}/channels", response_model=list[ChannelOut])
def list_channels(group_id: PathId, actor: CurrentUser, session: SessionDep,
                  include_archived: bool = False) -> list[ChannelOut]:
    return groups.list_channels(session, actor, group_id=group_id, include_archived=include_archived)


@router.post("/groups/{group_id}/channels", response_model=ChannelOut, status_code=status.HTTP_201_CREATED)
def create_channel(group_id: PathId, body: ChannelCreate, actor: CurrentUser, session: SessionDep) -> ChannelOut:
    return groups.create_channel(session, actor, group_id=group_id, data=body)


@router.put("/groups/{group_id}/channel-order", response_model=list[ChannelOut])
def reorder_channels(group_id: PathId, body: ChannelOrder, actor: CurrentUser,
                     session: SessionDep) -> list[ChannelOut]:
    """Every open channel of the group, in the order the list shows them."""
    return groups.reorder_channels(session, actor, group_id=group_id, channel_ids=body.channel_ids)


@router.get("/channels/{channel_id}", response_model=ChannelOut)
def get_channel(channel_id: PathId, actor: CurrentUser, session: SessionDep) -> ChannelOut:
    return groups.get_channel(session, actor, channel_id=channel_id)


@router.patch("/channels/{channel_id}", response_model=ChannelOut)
def update_channel(channel_id: PathId, body: ChannelUpdate, actor: CurrentUser, session: SessionDep) -> ChannelOut:
    return groups.update_channel(session, actor, channel_id=channel_id, data=body)


@router.post("/groups/merge/preview", response_model=MergePreview)
def preview_merge(body: MergeIn, actor: CurrentUser, session: SessionDep) -> MergePreview:
    """The dry run: what would move, name clashes, who would gain access. Changes nothing."""
    return merge.preview_merge(session, actor, source_id=body.source_id, target_id=body.target_id)


@router.post("/groups/merge", response_model=MergeResult)
def merge_groups(body: MergeIn, actor: CurrentUser, session: SessionDep) -> MergeResult:
    return merge.merge_groups(session, actor, source_id=body.source_id, target_id=body.target_id,
                              confirm_exposure=body.confirm_exposure)
