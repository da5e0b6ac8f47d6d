"""Groups: the directory (the tree, creating and changing groups), membership (joining, requests,
invitations, roles) and channels.

directory.py ← membership.py; channels.py
"""
from app.services.groups.channels import (
    create_channel,
    get_channel,
    get_channel_by_slug,
    list_channels,
    reorder_channels,
    update_channel,
)
from app.services.groups.directory import (
    create_group,
    create_site_group,
    get_group,
    get_group_by_slug,
    group_out,
    list_groups,
    list_member_groups,
    update_group,
)
from app.services.groups.membership import (
    cancel_join_request,
    decide_invitation,
    decide_join_request,
    invite_to_group,
    join_group,
    list_group_invitations,
    list_join_requests,
    list_members,
    list_my_invitations,
    remove_member,
    set_member_role,
    withdraw_invitation,
)

__all__ = [
    "cancel_join_request",
    "create_channel",
    "create_group",
    "create_site_group",
    "decide_invitation",
    "decide_join_request",
    "get_channel",
    "get_channel_by_slug",
    "get_group",
    "get_group_by_slug",
    "group_out",
    "invite_to_group",
    "join_group",
    "list_channels",
    "list_group_invitations",
    "list_groups",
    "list_join_requests",
    "list_member_groups",
    "list_members",
    "list_my_invitations",
    "remove_member",
    "reorder_channels",
    "set_member_role",
    "update_channel",
    "update_group",
    "withdraw_invitation",
]
