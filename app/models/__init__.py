"""All models, imported so that Base.metadata knows every table (Alembic reads it)."""
from app.models.auth import ApiToken, AuthSession, Invite, PasswordReset
from app.models.groups import (
    Channel,
    ChannelSlugHistory,
    Group,
    GroupInvitation,
    GroupSlugHistory,
    JoinRequest,
    Membership,
)
from app.models.moderation import AuditEntry, AuditPurge, Flag, ModerationItem, WatchedWord
from app.models.notifications import Job, Notification, ThreadState
from app.models.posts import (
    Attachment,
    IdempotencyKey,
    Mention,
    MotionCoSubmitter,
    MotionStatusChange,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadPortfolio,
)
from app.models.publishing import Article, ArticleRevision, Series
from app.models.search import SearchDocument
from app.models.users import Portfolio, User, UserPortfolio

__all__ = [
    "ApiToken", "Article", "ArticleRevision", "Attachment", "AuditEntry", "AuditPurge", "AuthSession", "Channel",
    "ChannelSlugHistory", "Flag", "Group", "GroupInvitation", "GroupSlugHistory", "IdempotencyKey", "Invite", "Job",
    "JoinRequest", "Membership", "Mention", "ModerationItem", "MotionCoSubmitter", "MotionStatusChange", "Notification",
    "PasswordReset",
    "Portfolio", "Post", "PostRevision", "Reaction", "SearchDocument", "Series", "Thread", "ThreadPortfolio",
    "ThreadState", "User", "UserPortfolio", "WatchedWord"
]
