from __future__ import annotations

from fastapi import APIRouter, status

from app.deps import CurrentUser, SessionDep
from app.schemas.common import PathId
from app.schemas.users import (
    InviteCreate,
    InviteCreated,
    InviteOut,
    ProfileOut,
    UserAdminUpdate,
)
from app.services import accounts
from app.services.profiles import profile_out

router = APIRouter(prefix="/api/v1", tags=["administration"])


@router.get("/invites", response_model=list[InviteOut])
def list_invites(actor: CurrentUser, session: SessionDep) -> list[InviteOut]:
    return [InviteOut.model_validate(i) for i in accounts.list_invites(session, actor)]


@router.post("/invites", response_model=InviteCreated, status_code=status.HTTP_201_CREATED)
def create_invite(body: InviteCreate, actor: CurrentUser, session: SessionDep) -> InviteCreated:
    invite, url = accounts.create_invite(session, actor, email=body.email, role=body.role)
    return InviteCreated(**InviteOut.model_validate(invite).model_dump(), url=url)


@router.delete("/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invite(invite_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    accounts.revoke_invite(session, actor, invite_id=invite_id)


@router.patch("/admin/users/{user_id}", response_model=ProfileOut)
def update_user(user_id: PathId, body: UserAdminUpdate, actor: CurrentUser, session: SessionDep) -> ProfileOut:
    user = accounts.update_user_admin(session, actor, user_id=user_id, role=body.role, is_active=body.is_active,
                                      is_editor=body.is_editor)
    return profile_out(user)
