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
    withdrawn = "withdrawn"


REACTIONS: tuple[str, ...] = ("👍", "❤️", "🎉", "😄", "🤔", "👀", "🙏")
