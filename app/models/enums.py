"""The vocabulary of the party's world, stored as short strings (portable across SQLite and PostgreSQL)."""
from __future__ import annotations

from enum import StrEnum


class SiteRole(StrEnum):
    member = "member"
    community_manager = "community_manager"
    admin = "admin"


class Title(StrEnum):
    raadslid = "raadslid"
    wethouder = "wethouder"
    statenlid = "statenlid"
    gedeputeerde = "gedeputeerde"
    tweede_kamerlid = "tweede_kamerlid"
    eerste_kamerlid = "eerste_kamerlid"
    europarlementarier = "europarlementarier"
    burgemeester = "burgemeester"
    commissielid = "commissielid"
    bestuurder = "bestuurder"
    medewerker = "medewerker"
    lid = "lid"


class Province(StrEnum):
    groningen = "groningen"
    friesland = "friesland"
    drenthe = "drenthe"
    overijssel = "overijssel"
    flevoland = "flevoland"
    gelderland = "gelderland"
    utrecht = "utrecht"
    noord_holland = "noord-holland"
    zuid_holland = "zuid-holland"
    zeeland = "zeeland"
    noord_brabant = "noord-brabant"
    limburg = "limburg"


# Their own names, as the provinces write them (not translated): "Fryslân", not "Friesland".
PROVINCE_NAMES: dict[Province, str] = {
    Province.groningen: "Groningen", Province.friesland: "Fryslân", Province.drenthe: "Drenthe",
    Province.overijssel: "Overijssel", Province.flevoland: "Flevoland", Province.gelderland: "Gelderland",
    Province.utrecht: "Utrecht", Province.noord_holland: "Noord-Holland", Province.zuid_holland: "Zuid-Holland",
    Province.zeeland: "Zeeland", Province.noord_brabant: "Noord-Brabant", Province.limburg: "Limburg",
}


class Language(StrEnum):
    nl = "nl"
    en = "en"


class GroupKind(StrEnum):
    province = "province"
    faction = "faction"
    theme = "theme"
    other = "other"


class Visibility(StrEnum):
    open = "open"
    closed = "closed"
    secret = "secret"


class GroupRole(StrEnum):
    member = "member"
    moderator = "moderator"
    admin = "admin"


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"


class ThreadKind(StrEnum):
    discussion = "discussion"
    question = "question"
    motion = "motion"


class MotionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    adopted = "adopted"
    rejected = "rejected"
    held = "held"  # aangehouden: the vote was put off
    withdrawn = "withdrawn"


REACTIONS: tuple[str, ...] = ("👍", "❤️", "🎉", "😄", "🤔", "👀", "🙏")


class NotificationLevel(StrEnum):
    """How much a member hears from a group or a thread (as in Discourse)."""

    watching = "watching"  # every new thread and reply
    tracking = "tracking"  # new threads, mentions and replies to her
    normal = "normal"      # mentions and replies to her
    muted = "muted"        # nothing


class NotificationKind(StrEnum):
    mention = "mention"
    reply = "reply"                # replies in a thread she started, took part in or follows
    new_thread = "new_thread"      # a new thread in a group she watches or tracks
    question = "question"          # a question addressed to a portfolio she holds
    join_request = "join_request"  # her request to join a group was decided
    moderation = "moderation"      # her post was removed by a moderator
    post_approved = "post_approved"  # her held post was approved: others see it now
    group_merged = "group_merged"  # a group of hers was merged into another
    article = "article"            # a new interview or article was published
    series_reminder = "series_reminder"  # editors: a series' coming slot has no article yet


class DigestFrequency(StrEnum):
    off = "off"
    daily = "daily"
    weekly = "weekly"


class ArticleStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    published = "published"


class ModerationStatus(StrEnum):
    """Where an item in the moderation queue stands."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    dismissed = "dismissed"
    withdrawn = "withdrawn"  # the post was deleted before anyone decided


class AudienceStatus(StrEnum):
    sent = "sent"
    pending = "pending"    # waits for the community manager: more people than the site's limit
    declined = "declined"


# What a member hears from a group she has not set a level for: a faction is a handful of colleagues who
# work together daily; a province or a broad theme can be hundreds of people.
DEFAULT_GROUP_LEVEL: dict[str, NotificationLevel] = {
    GroupKind.faction: NotificationLevel.watching,
    GroupKind.theme: NotificationLevel.tracking,
    GroupKind.province: NotificationLevel.normal,
    GroupKind.other: NotificationLevel.normal,
}


class AuditOutcome(StrEnum):
    success = "success"
    refused = "refused"    # not allowed: a member calling a staff action, a group action she may not do
    failed = "failed"      # tried and did not work: a wrong password, a used-up link


class AuditAction(StrEnum):
    """Every kind of audit entry: the only names `audit.record` takes, and what staff filter by."""

    # Signing in and out, passwords, tokens (security events, ASVS V16)
    login = "auth.login"
    login_failed = "auth.login_failed"
    logout = "auth.logout"
    password_changed = "auth.password_changed"
    password_change_failed = "auth.password_change_failed"
    password_reset_requested = "auth.password_reset_requested"
    password_reset = "auth.password_reset"
    password_reset_failed = "auth.password_reset_failed"
    token_created = "token.created"
    token_revoked = "token.revoked"
    session_ended = "auth.session_ended"
    # Invites and accounts
    invite_created = "invite.created"
    invite_revoked = "invite.revoked"
    invite_accepted = "invite.accepted"
    account_updated = "account.updated"
    account_role_changed = "account.role_changed"
    account_deactivated = "account.deactivated"
    account_reactivated = "account.reactivated"
    # Groups
    group_created = "group.created"
    group_updated = "group.updated"
    group_visibility_changed = "group.visibility_changed"
    group_merged = "group.merged"
    member_role_changed = "member.role_changed"
    member_removed = "member.removed"
    join_request_approved = "join_request.approved"
    join_request_declined = "join_request.declined"
    # Moderation
    post_approved = "post.approved"
    post_edited_and_approved = "post.edited_and_approved"
    post_rejected = "post.rejected"
    post_removed = "post.removed"
    thread_removed = "thread.removed"
    flags_dismissed = "flags.dismissed"
    member_silenced = "member.silenced"
    member_unsilenced = "member.unsilenced"
    member_suspended = "member.suspended"
    watched_word_added = "watched_word.added"
    watched_word_removed = "watched_word.removed"
    # Publishing
    article_created = "article.created"
    article_deleted = "article.deleted"
    article_scheduled = "article.scheduled"
    article_unscheduled = "article.unscheduled"
    article_published = "article.published"
    article_unpublished = "article.unpublished"
    series_created = "series.created"
    series_updated = "series.updated"
    # Refusals: a staff or group-moderation action asked for by someone who may not (written even though the
    # request itself changed nothing)
    access_refused = "access.refused"
    # The retention job removing entries older than AUDIT_RETENTION_DAYS
    audit_purged = "audit.purged"
