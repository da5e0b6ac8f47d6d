"""Screening a post before anyone sees it: the site's watched words, and a citizen's personal data.

Councillors handle casework; a post must not leak a citizen's BSN, phone number or bank account. Those
are found with maintained libraries (python-stdnum for the BSN 11-proof and the IBAN check digits,
phonenumbers for Dutch phone numbers) and hold the post for review. Watched words match whole words,
case- and accent-insensitively ("Fryslân" finds "fryslan").
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

import phonenumbers
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum import iban
from stdnum.nl import bsn

from app.access import SiteAction, allowed
from app.config import get_settings
from app.db import is_unique_violation, utcnow
from app.errors import Forbidden, Invalid
from app.events import ModerationChanged, ModerationQueue, record_event, user_topic
from app.i18n import N_, Phrase
from app.models import Group, Membership, ModerationItem, Post, User, WatchedWord
from app.models.enums import GroupRole, ModerationStatus
from app.services.roles import STAFF_ROLES
from app.services.text import fold

# Nine digits, written plain or in the usual groups (1234.56.782, 123 456 782). Not part of a longer number
# or an amount ("€ 111.222.333" and "123456782,50" are money): no digit, no separator-and-digit around it.
_BSN_CANDIDATE = re.compile(r"(?<![\d.,-])(\d{4}[. ]?\d{2}[. ]?\d{3}|\d{3} \d{3} \d{3})(?!\d|[.,-]\d)")
# Two letters, two check digits, then letters and digits, in groups separated by single spaces or not. The
# candidate may run on into the next words ("… 00 van mevrouw"); the check digits decide where it ends.
_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]*(?: [A-Z0-9]+)*", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str   # "bsn" | "phone" | "iban" | "watched_word"
    text: str   # what was found, for the moderator


# One finding holds a post; the moderator needs a few to see why, not thousands. Bounded so that a post of
# the longest length full of numbers is screened in milliseconds, not seconds (the phone matcher costs about
# half a millisecond per number it tries).
MAX_FINDINGS = 20
PHONE_MAX_TRIES = 500


def find_personal_data(text: str) -> list[Finding]:
    found: list[Finding] = []
    for match in _BSN_CANDIDATE.finditer(text):
        if bsn.is_valid(match.group(1)):
            found.append(Finding("bsn", match.group(1)))
            if len(found) >= MAX_FINDINGS:
                return found
    for match in _IBAN_CANDIDATE.finditer(text):
        words = match.group(0).split(" ")
        # Only the first words can make an IBAN (at most 34 letters and digits): a long run costs no more.
        lengths = list(accumulate(len(word) for word in words[:34]))
        for n in range(sum(1 for total in lengths if total <= 34), 0, -1):  # the longest valid one
            candidate = " ".join(words[:n])
            if lengths[n - 1] >= 15 and iban.is_valid(candidate):
                found.append(Finding("iban", candidate))
                break
        if len(found) >= MAX_FINDINGS:
            return found
    bsn_spans = {f.text for f in found if f.kind == "bsn"}
    for phone in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID,
                                                 max_tries=PHONE_MAX_TRIES):
        if phone.raw_string not in bsn_spans:
            found.append(Finding("phone", phone.raw_string))
            if len(found) >= MAX_FINDINGS:
                break
    return found


def _word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(w).strip() for w in words if w.strip()}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in folded) + r")(?!\w)")


@dataclass(frozen=True)
class WordList:
    """The site's watched words, each to block the post or to hold it for review."""

    block: tuple[str, ...] = ()
    hold: tuple[str, ...] = ()
    _block_re: re.Pattern[str] | None = field(init=False, default=None, compare=False)
    _hold_re: re.Pattern[str] | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_block_re", _word_pattern(self.block))
        object.__setattr__(self, "_hold_re", _word_pattern(self.hold))

    def matches(self, text: str) -> tuple[list[str], list[str]]:
        """(blocking words found, holding words found), as the list spells them."""
        folded = fold(text)
        found = []
        for pattern in (self._block_re, self._hold_re):
            found.append(sorted({m.group(1) for m in pattern.finditer(folded)}) if pattern else [])
        return found[0], found[1]


@dataclass(frozen=True)
class Screening:
    blocked: list[str]
    held_words: list[str]
    personal_data: list[Finding]

    @property
    def hold(self) -> bool:
        return bool(self.held_words or self.personal_data)


def screen(text: str, words: WordList) -> Screening:
    blocked, held = words.matches(text)
    return Screening(blocked=blocked, held_words=held, personal_data=find_personal_data(text))


# --- the rules applied to a new post ------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    """Why a new post waits for a moderator, and what the rules found."""

    reasons: list[str]
    findings: list[str]


def word_list(session: Session) -> WordList:
    rows = list(session.execute(select(WatchedWord.word, WatchedWord.action)))
    return WordList(block=tuple(w for w, a in rows if a == "block"), hold=tuple(w for w, a in rows if a == "hold"))


# What a personal-data finding is called in a message (its kind is the key the audit and the queue keep).
PERSONAL_DATA_NAMES = {"bsn": Phrase(N_("a citizen service number")), "iban": Phrase(N_("a bank account number")),
                       "phone": Phrase(N_("a phone number"))}


def check_new_post(session: Session, actor: User, *, group: Group, text: str) -> Hold | None:
    """Refuse a silenced member or a blocked word (the post is not written); else say whether it is held."""
    now = utcnow()
    if actor.silenced_until is not None and actor.silenced_until > now:
        raise Forbidden("A moderator silenced you until %(until)s.", code="silenced",
                        params={"until": actor.silenced_until})
    found = screen(text, word_list(session))
    if found.blocked:
        raise Invalid("Your post contains words that are not allowed here: %(words)s.", field="body",
                      params={"words": found.blocked})
    reasons: list[str] = []
    findings: list[str] = []
    if found.held_words:
        reasons.append("watched_word")
        findings += [f"watched_word: {w}" for w in found.held_words]
    if found.personal_data:
        reasons.append("personal_data")
        findings += [f"{f.kind}: {f.text}" for f in found.personal_data]
    if group.premoderated and not allowed(actor, SiteAction.moderate):
        reasons.append("premoderation")
    first_posts = get_settings().premoderate_first_posts
    if first_posts and not allowed(actor, SiteAction.moderate):
        published = session.scalar(select(func.count()).select_from(Post).where(
            Post.author_id == actor.id, Post.held_at.is_(None), Post.deleted_at.is_(None))) or 0
        if published < first_posts:
            reasons.append("new_member")
    return Hold(reasons=reasons, findings=findings) if reasons else None


def check_edit(session: Session, actor: User, *, post: Post, group: Group, text: str) -> None:
    """An edit is screened too: a blocked word or a citizen's personal data is refused (others see the post
    already, so it cannot wait); a watched word puts the post before a moderator."""
    found = screen(text, word_list(session))
    if found.blocked:
        raise Invalid("Your post contains words that are not allowed here: %(words)s.", field="body",
                      params={"words": found.blocked})
    if found.personal_data and post.held_at is None:
        kinds = [PERSONAL_DATA_NAMES[kind] for kind in sorted({f.kind for f in found.personal_data})]
        raise Invalid("This looks like a citizen's personal data (%(kinds)s); leave it out.", field="body",
                      params={"kinds": kinds})
    if found.held_words and post.held_at is None:
        open_item(session, post=post, group=group, reasons=["watched_word"],
                  findings=[f"watched_word: {w}" for w in found.held_words], held=False)


def withdraw(session: Session, *, post_id: int) -> None:
    """The post is gone (its author or a moderator deleted it): nothing is left to decide. Conditional, like a
    moderator's decision: an item a moderator decided a moment ago keeps that decision."""
    group_id = session.scalar(
        update(ModerationItem)
        .where(ModerationItem.post_id == post_id, ModerationItem.status == ModerationStatus.pending)
        .values(status=ModerationStatus.withdrawn, decided_at=utcnow()).returning(ModerationItem.group_id)
        .execution_options(synchronize_session=False))
    if group_id is not None:
        tell_moderators(session, group_id=group_id)


def hold_for_review(session: Session, *, post: Post, group: Group, hold: Hold) -> None:
    open_item(session, post=post, group=group, reasons=hold.reasons, findings=hold.findings, held=True)


def open_item(session: Session, *, post: Post, group: Group, reasons: list[str], findings: list[str],
              held: bool) -> ModerationItem:
    """Put the post in the queue, or add reasons to its open item (one per post)."""
    def pending() -> ModerationItem | None:
        # Locked (PostgreSQL): two flags at once both add their reasons, neither overwrites the other's.
        return session.scalar(select(ModerationItem).where(
            ModerationItem.post_id == post.id, ModerationItem.status == ModerationStatus.pending).with_for_update())

    while (item := pending()) is None:
        item = ModerationItem(post_id=post.id, group_id=group.id, author_id=post.author_id, reasons=list(reasons),
                              findings=list(findings), held=held, created_at=utcnow())
        try:
            # Several members flag a post at the same moment: the unique index on its open item decides, and
            # who came second adds her reasons to the item the first one opened.
            with session.begin_nested():
                session.add(item)
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            continue
        tell_moderators(session, group_id=group.id)
        return item
    item.reasons = sorted(set(item.reasons) | set(reasons))
    item.findings = item.findings + [f for f in findings if f not in item.findings]
    session.flush()
    tell_moderators(session, group_id=group.id)
    return item


def tell_moderators(session: Session, *, group_id: int) -> None:
    """The queue changed: the group's moderators and the staff refresh their counts (on their own topics)."""
    moderators = set(session.scalars(select(Membership.user_id).where(
        Membership.group_id == group_id, Membership.role.in_([GroupRole.moderator, GroupRole.admin]))))
    moderators |= set(session.scalars(select(User.id).where(User.role.in_(STAFF_ROLES), User.is_active.is_(True))))
    for user_id in sorted(moderators):
        record_event(session, ModerationChanged(topic=user_topic(user_id), payload=ModerationQueue(group_id=group_id)))
