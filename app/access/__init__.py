"""Who may do what: the only place it is decided.

- rules.py       pure predicates on plain values (can_read_group(visibility, role, staff), can_edit_post, …):
                 the loaders, the SQL, the websocket hub and the notification code all ask these
- statements.py  the same rules as SQL (readable_groups(actor), may_group(…) for many users at once, the
                 listed threads): every list, search, count, fan-out, inbox and digest joins against them
- site.py        the site-level gate: require(actor, SiteAction.merge)
- loading.py     access_group / channel / thread / post / attachment / topic: load and authorise at once

What the actor may not see is NotFound, never Forbidden: a secret group, and everything in it, does not exist
for an outsider — through every path (uniqueness checks, redirects of merged objects, websocket topics).
"""
from __future__ import annotations

from app.access.loading import (
    ChannelAccess,
    GroupAccess,
    PostAccess,
    ThreadAccess,
    TopicGrant,
    access_attachment,
    access_channel,
    access_group,
    access_post,
    access_thread,
    access_topic,
    check,
    check_thread,
    group_access,
    lock_group_for_posting,
    lock_group_row,
    lock_groups_for_merge,
    may_follow,
    member_group_ids,
    merged_target,
    moved_group,
)
from app.access.rules import (
    GroupAction,
    PostAction,
    ThreadAction,
    can_administer,
    can_delete_post,
    can_edit_post,
    can_flag_post,
    can_join_directly,
    can_moderate,
    can_post,
    can_read_group,
    can_request_to_join,
    can_see_content,
    can_view_group,
    group_allows,
    thread_allows,
)
from app.access.site import SiteAction, allowed, is_staff_role, refusal_code, require
from app.access.statements import (
    allowed_groups,
    listed_threads,
    may_group,
    moderated_groups,
    readable_groups,
    readable_threads,
    visible_groups,
)

__all__ = [
    "ChannelAccess", "GroupAccess", "GroupAction", "PostAccess", "PostAction", "SiteAction", "ThreadAccess",
    "ThreadAction", "TopicGrant", "access_attachment", "access_channel", "access_group", "access_post",
    "access_thread", "access_topic", "allowed", "allowed_groups", "can_administer", "can_delete_post",
    "can_edit_post", "can_flag_post", "can_join_directly", "can_moderate", "can_post", "can_read_group",
    "can_request_to_join", "can_see_content", "can_view_group", "check", "check_thread", "group_access",
    "group_allows", "is_staff_role", "listed_threads", "lock_group_for_posting", "lock_group_row",
    "lock_groups_for_merge", "may_follow", "may_group", "member_group_ids", "merged_target", "moderated_groups",
    "moved_group", "readable_groups", "readable_threads", "refusal_code", "require", "thread_allows",
    "visible_groups",
]
