"""Demo data: a believable party network for `plein run-demo` and `plein demo-data`.

Twelve provinces, ~40 municipal factions, themes with motions and questions, ~200 members with Dutch
names. Rows are written straight through the ORM in one transaction rather than through the services:
the services authorise and build responses on every call, which would make loading take minutes. The
invariants the services keep are kept here by hand (one default channel per group, counters that match
the rows, Mention rows for @mentions, HTML rendered from Markdown). Threads and their opening posts are made by
`posts.start_thread`, the one way to start a thread, at the demo's own moments.

Everything random comes from one seeded generator, so every load tells the same story; the dates are
relative to the moment of loading, so the demo always looks recently active.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database, unit_of_work, utcnow
from app.demo.content import (  # the demo text
    ADMIN_EMAIL,
    ANSWER_REPLIES,
    AUTHOR_REPLIES,
    BOARD_THREADS,
    CHANNEL_DESCRIPTIONS,
    DEMO_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    FACTION_DISCUSSIONS,
    FACTION_MOTIONS,
    FACTION_QUESTIONS,
    FIRST_NAMES,
    GENERIC_REPLIES,
    INTERVIEW_COMMENTS,
    INTERVIEWS,
    JOIN_MESSAGES,
    MANAGER_EMAIL,
    MONTHS,
    MOTION_INTROS,
    MOTION_REPLIES,
    MUNICIPALITIES,
    PORTFOLIOS,
    PROVINCE_THREADS,
    SEED,
    SERIES_DESCRIPTION,
    SERIES_NAME,
    STATUS_REPLIES,
    SURNAMES,
    TEAM_ANSWERS,
    TEAM_MOTION_REPLIES,
    TEAM_REPLIES,
    THEMES,
    TITLE_LABELS,
    TITLE_WEIGHTS,
    WORKING_GROUP_THREADS,
    MotionText,
    Text,
    Topic,
)
from app.effects import NO_LIVE_CLIENTS
from app.i18n import TIMEZONE
from app.models import (
    Article,
    Channel,
    Group,
    JoinRequest,
    Membership,
    Mention,
    MotionCoSubmitter,
    Portfolio,
    Post,
    Reaction,
    Series,
    Thread,
    ThreadPortfolio,
    User,
    UserPortfolio,
)
from app.models.enums import (
    PROVINCE_NAMES,
    REACTIONS,
    GroupKind,
    GroupRole,
    MotionStatus,
    Province,
    SiteRole,
    ThreadKind,
    Title,
    Visibility,
)
from app.schemas.posts import MotionIn
from app.security import hash_password
from app.services import posts, publishing, search
from app.services.markdown import find_mentions, render_markdown
from app.services.text import fold, slugify

# What the CLI (the logins it prints) and the tests use; the rest of the demo text stays in content.py.
__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "MUNICIPALITIES", "load"]


def load(db: Database, *, force: bool) -> bool:
    """Fill the database with the demo party. Does nothing (False) when there are users, unless `force`."""
    # Before the site serves it (or beside it, forced): the pages that are open fetch the demo when loaded.
    with unit_of_work(db, NO_LIVE_CLIENTS) as session:
        if not force and session.scalar(select(User.id).limit(1)) is not None:
            return False
        _Loader(session).run()
        session.flush()
        search.rebuild(session)  # the loader writes rows directly: index them all at once
    return True


@dataclass
class _GroupInfo:
    group: Group
    members: list[User] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    municipality: str | None = None
    province: Province | None = None


class _Loader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rng = random.Random(SEED)
        self.now = utcnow().replace(microsecond=0)
        self.begin = self.now - timedelta(days=183)
        # argon2 is slow on purpose: one hash serves every demo account.
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.portfolios: dict[str, Portfolio] = {}
        self.users: list[User] = []
        self.user_portfolios: dict[int, list[str]] = {}  # id(user) → portfolio names
        self.groups: dict[str, _GroupInfo] = {}
        # A forced load next to existing data: new groups get free slugs, demo people already there are reused.
        self.taken_slugs = set(session.scalars(select(Group.slug)))
        self.taken_usernames = set(session.scalars(select(User.username)))
        self.existing_emails = {u.email: u for u in session.scalars(select(User))}
        self.demo_usernames: set[str] = set()

    def run(self) -> None:
        self._portfolios()
        self._people()
        self._groups()
        self._memberships()
        self._threads()
        self._interviews()

    # --- people ----------------------------------------------------------------------------------

    def _portfolios(self) -> None:
        existing = {fold(p.name): p for p in self.session.scalars(select(Portfolio))}
        existing |= {p.slug: p for p in existing.values()}
        for name in PORTFOLIOS:
            portfolio = existing.get(slugify(name)) or existing.get(fold(name))
            if portfolio is None:
                portfolio = Portfolio(slug=slugify(name), name=name)
                self.session.add(portfolio)
            self.portfolios[name] = portfolio
        self.session.flush()

    @staticmethod
    def _free(base: str, taken: set[str]) -> str:
        name, n = base, 2
        while name in taken:
            name, n = f"{base}{n}", n + 1
        return name

    def _person(self, first: str, last: str, *, municipality: str | None, province: Province | None,
                title: Title, portfolios: list[str], role: SiteRole = SiteRole.member,
                email: str | None = None, username: str | None = None, bio: str | None = None) -> User:
        # The username (and so the email) depends only on this load, so a forced reload finds the same people.
        # fold() keeps the Turkish dotless ı, which has no decomposition.
        base = username or ".".join(re.sub(r"[^a-z0-9]+", "", fold(part.replace("ı", "i")))
                                    for part in (first, last))[:36]
        username = self._free(base, self.demo_usernames)
        self.demo_usernames.add(username)
        email = email or f"{username}@{DEMO_DOMAIN}"
        if bio is None:
            bio = self._bio(title, municipality, province, portfolios)
        joined = self.now - timedelta(days=self.rng.uniform(190, 245) if role == SiteRole.member else 300)
        reused = self.existing_emails.get(email)
        if reused is not None:
            self.users.append(reused)
            return reused
        username = self._free(username, self.taken_usernames)
        self.taken_usernames.add(username)
        user = User(
            email=email, username=username, display_name=f"{first} {last}", password_hash=self.password_hash,
            role=role.value, title=title.value, municipality=municipality,
            province=province.value if province else None, bio=bio, created_at=joined,
        )
        self.session.add(user)
        self.users.append(user)
        self.user_portfolios[id(user)] = portfolios
        return user

    def _bio(self, title: Title, municipality: str | None, province: Province | None,
             portfolios: list[str]) -> str:
        if self.rng.random() < 0.25:
            return ""
        names = [p if p.isupper() else p.lower() for p in portfolios]
        topics = " en ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        if title in (Title.raadslid, Title.commissielid):
            return f"{TITLE_LABELS[title]} in {municipality}. Woordvoerder {topics}."
        if title == Title.wethouder:
            return f"Wethouder in {municipality} met in de portefeuille {topics}."
        if title in (Title.statenlid, Title.gedeputeerde) and province is not None:
            return f"{TITLE_LABELS[title]} in {PROVINCE_NAMES[province]}. Houdt zich bezig met {topics}."
        return f"{TITLE_LABELS[title]}, woont in {municipality}. Interesse in {topics}."

    def _pick_portfolios(self) -> list[str]:
        count = self.rng.choice([1, 2, 2, 2, 3, 3])
        picked: list[str] = []
        while len(picked) < count:
            name = self.rng.choices(PORTFOLIOS, weights=[10, 9, 7, 10, 6, 6, 5, 4, 5, 4, 4, 3])[0]
            if name not in picked:
                picked.append(name)
        return picked

    def _people(self) -> None:
        self.admin = self._person(
            "Marieke", "Dijkstra", municipality="Utrecht", province=Province.utrecht, title=Title.medewerker,
            portfolios=[], role=SiteRole.admin, email=ADMIN_EMAIL, username="beheer",
            bio="Beheerder van Plein bij het partijbureau.")
        self.manager = self._person(
            "Lotte", "Vermeulen", municipality="Utrecht", province=Province.utrecht, title=Title.medewerker,
            portfolios=[], role=SiteRole.community_manager, email=MANAGER_EMAIL, username="lotte.vermeulen",
            bio="Community manager van Plein. Vragen over groepen of je account? Stuur me een bericht.")
        self.anna = self._person(
            "Anna", "de Vries", municipality="Alkmaar", province=Province.noord_holland, title=Title.raadslid,
            portfolios=["Duurzaamheid", "Wonen"], email=DEMO_LOGINS[2][1], username="anna.devries",
            bio="Fractievoorzitter in Alkmaar. Woordvoerder duurzaamheid en wonen. Fietst overal naartoe.")
        self.pieter = self._person(
            "Pieter", "Bakker", municipality="Delft", province=Province.zuid_holland, title=Title.wethouder,
            portfolios=["Financiën", "Mobiliteit"], email=DEMO_LOGINS[3][1], username="pieter.bakker",
            bio="Wethouder financiën en mobiliteit in Delft.")
        self.fatima = self._person(
            "Fatima", "el Amrani", municipality="Arnhem", province=Province.gelderland, title=Title.statenlid,
            portfolios=["Zorg", "Landbouw en natuur"], email=DEMO_LOGINS[4][1], username="fatima.elamrani",
            bio="Statenlid in Gelderland. Zorg in de regio en een levend platteland.")
        fixed = {("Marieke", "Dijkstra"), ("Lotte", "Vermeulen"), ("Anna", "de Vries"), ("Pieter", "Bakker"),
                 ("Fatima", "el Amrani")}

        # Every faction gets at least three members; the rest follow the size of the municipality.
        places = [m for m, _, _ in MUNICIPALITIES for _ in range(3)]
        places += self.rng.choices([m for m, _, _ in MUNICIPALITIES], weights=[w for _, _, w in MUNICIPALITIES],
                                   k=195 - len(places))
        province_of = {m: p for m, p, _ in MUNICIPALITIES}
        seen_in: dict[str, int] = defaultdict(int)
        names: set[tuple[str, str]] = set(fixed)
        for place in places:
            while True:
                pair = (self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES))
                if pair not in names:
                    names.add(pair)
                    break
            # The first two in each municipality are its councillors: every faction has a council group.
            if seen_in[place] < 2:
                title = Title.raadslid
            else:
                title = self.rng.choices([t for t, _ in TITLE_WEIGHTS], weights=[w for _, w in TITLE_WEIGHTS])[0]
            seen_in[place] += 1
            self._person(pair[0], pair[1], municipality=place, province=province_of[place], title=title,
                         portfolios=self._pick_portfolios())
        self.session.flush()
        for user in self.users:
            for name in self.user_portfolios.get(id(user), []):
                self.session.add(UserPortfolio(user_id=user.id, portfolio_id=self.portfolios[name].id))

    # --- groups ----------------------------------------------------------------------------------

    def _slug(self, wanted: str) -> str:
        slug, n = wanted, 2
        while slug in self.taken_slugs:
            slug, n = f"{wanted[:75]}-{n}", n + 1
        self.taken_slugs.add(slug)
        return slug

    def _group(self, key: str, name: str, *, kind: GroupKind, visibility: Visibility, description: str,
               slug: str | None = None, parent: str | None = None, channels: tuple[str, ...] = ()) -> _GroupInfo:
        created = self.now - timedelta(days=self.rng.uniform(250, 260))
        group = Group(
            slug=self._slug(slug or slugify(name)), name=name, description=description, kind=kind.value,
            visibility=visibility.value, parent_id=self.groups[parent].group.id if parent else None,
            created_by_id=self.manager.id, created_at=created,
        )
        self.session.add(group)
        info = _GroupInfo(group=group)
        self.groups[key] = info
        info.channels["Algemeen"] = Channel(slug="algemeen", name="Algemeen", is_default=True, created_at=created,
                                            description="Voor alles wat niet in een ander kanaal past.")
        for channel in channels:
            info.channels[channel] = Channel(slug=slugify(channel), name=channel, created_at=created,
                                             description=CHANNEL_DESCRIPTIONS.get(channel, ""))
        return info

    def _groups(self) -> None:
        for province, name in PROVINCE_NAMES.items():
            info = self._group(
                f"province:{province.value}", name, slug=province.value, kind=GroupKind.province,
                visibility=Visibility.open,
                description=f"Leden en volksvertegenwoordigers in {name}: Statenwerk, regionale onderwerpen en "
                            f"samenwerking tussen de fracties.")
            info.province = province
        for theme in THEMES:
            self._group(f"theme:{theme.name}", theme.name, kind=GroupKind.theme, visibility=theme.visibility,
                        description=theme.description, channels=theme.extra_channels)
        self._group("board", "Bestuur", kind=GroupKind.other, visibility=Visibility.secret,
                    description="Het landelijk bestuur: vergaderstukken en vertrouwelijk overleg.",
                    channels=("Vergaderstukken",))
        self.session.flush()
        for municipality, province, _ in MUNICIPALITIES:
            info = self._group(
                f"faction:{municipality}", f"Fractie {municipality}", kind=GroupKind.faction,
                visibility=Visibility.open, parent=f"province:{province.value}", channels=("Moties",),
                description=f"De gemeenteraadsfractie in {municipality}: moties, de raadsagenda en fractieoverleg.")
            info.municipality, info.province = municipality, province
        self._group("working", "Werkgroep Warmtetransitie", kind=GroupKind.theme, visibility=Visibility.open,
                    parent="theme:Duurzaamheid",
                    description="Raadsleden en Statenleden die werken aan de transitievisie warmte en warmtenetten.")
        # Groups members started next to an existing one: what the community manager's duplicates list is for.
        self._group("lookalike:wonen", "Wonen en bouwen", kind=GroupKind.theme, visibility=Visibility.open,
                    description="Betaalbare woningen bouwen: woningcorporaties, huur en nieuwbouwwijken.")
        self._group("lookalike:klimaat", "Klimaat & duurzaamheid", kind=GroupKind.theme, visibility=Visibility.open,
                    description="Klimaatadaptatie, zonnepanelen en de energietransitie in de gemeente.")
        self.session.flush()
        for info in self.groups.values():
            for channel in info.channels.values():
                channel.group_id = info.group.id
                self.session.add(channel)

    def _memberships(self) -> None:
        def join(key: str, user: User, role: GroupRole = GroupRole.member) -> None:
            info = self.groups[key]
            if user.id in info.roles:
                if role != GroupRole.member:
                    info.roles[user.id] = role.value
                return
            info.members.append(user)
            info.roles[user.id] = role.value

        members = [u for u in self.users if u.role == SiteRole.member]
        for user in members:
            if f"province:{user.province}" in self.groups:
                join(f"province:{user.province}", user)
            if f"faction:{user.municipality}" in self.groups:
                join(f"faction:{user.municipality}", user)
            interests = list(self._portfolio_names(user))
            if self.rng.random() < 0.2:  # some follow a theme they hold no portfolio for
                interests.append(self.rng.choice(THEMES).name)
            for name in interests:
                if f"theme:{name}" in self.groups:
                    join(f"theme:{name}", user)
        # The community manager created the themes and the board and looks after them.
        for key in [f"theme:{t.name}" for t in THEMES] + ["board", "working"]:
            join(key, self.manager, GroupRole.admin)
        join("board", self.admin, GroupRole.admin)
        for user in [u for u in members if u.title == Title.bestuurder][:7]:
            join("board", user)
        # Factions are led by their first councillor; provinces by a Statenlid when there is one.
        for key, info in self.groups.items():
            if key.startswith("faction:"):
                leader = next((u for u in info.members if u.title == Title.raadslid), info.members[0])
                info.roles[leader.id] = GroupRole.admin.value
            elif key.startswith("province:"):
                leader = next((u for u in info.members if u.title in (Title.statenlid, Title.gedeputeerde)),
                              info.members[0])
                info.roles[leader.id] = GroupRole.admin.value
        info = self.groups["faction:Alkmaar"]
        for user_id, role in list(info.roles.items()):
            if role == GroupRole.admin:
                info.roles[user_id] = GroupRole.member.value
        info.roles[self.anna.id] = GroupRole.admin.value
        self.groups["province:gelderland"].roles[self.fatima.id] = GroupRole.admin.value
        join("theme:Duurzaamheid", self.anna, GroupRole.moderator)
        # The look-alikes drew their members from the group they resemble (the first who joined it).
        for key, original in (("lookalike:wonen", "theme:Wonen"), ("lookalike:klimaat", "theme:Duurzaamheid")):
            started_by, *others = [u for u in self.groups[original].members if u.role == SiteRole.member][:7]
            join(key, started_by, GroupRole.admin)
            for user in others:
                join(key, user)
        for theme in THEMES:
            info = self.groups[f"theme:{theme.name}"]
            ordinary = [u for u in info.members if info.roles[u.id] == GroupRole.member and u is not self.anna]
            if ordinary:
                info.roles[self.rng.choice(ordinary).id] = GroupRole.moderator.value
        sustainable = [u for u in self.groups["theme:Duurzaamheid"].members if u.role == SiteRole.member]
        for user in self.rng.sample(sustainable, k=min(len(sustainable), max(6, len(sustainable) * 2 // 5))):
            join("working", user)
        join("working", self.anna, GroupRole.admin)

        for info in self.groups.values():
            info.group.member_count = len(info.members)
            for user in info.members:
                joined = max(info.group.created_at, user.created_at) + timedelta(days=self.rng.uniform(0, 14))
                self.session.add(Membership(group_id=info.group.id, user_id=user.id, role=info.roles[user.id],
                                            created_at=min(joined, self.begin)))
        # A few members asked to join a closed theme; the community manager has something to decide.
        closed = [i for i in self.groups.values() if i.group.visibility == Visibility.closed]
        for info in closed:
            outside = [u for u in members if u.id not in info.roles and u.title == Title.raadslid]
            for asker, message in zip(self.rng.sample(outside, k=min(2, len(outside))), JOIN_MESSAGES, strict=False):
                self.session.add(JoinRequest(group_id=info.group.id, user_id=asker.id, message=message,
                                             created_at=self.now - timedelta(days=self.rng.uniform(1, 6))))
        self.session.flush()

    def _portfolio_names(self, user: User) -> list[str]:
        names = self.user_portfolios.get(id(user))
        if names is not None:
            return names
        return [p.name for p in user.portfolios]  # a person reused by a forced reload

    # --- threads ---------------------------------------------------------------------------------

    def _threads(self) -> None:
        plan: list[tuple[_GroupInfo, ThreadKind, Text | MotionText | Topic]] = []
        for theme in THEMES:
            info = self.groups[f"theme:{theme.name}"]
            plan += [(info, ThreadKind.discussion, t) for t in theme.discussions]
            plan += [(info, ThreadKind.question, t) for t in theme.questions]
            plan += [(info, ThreadKind.motion, t) for t in theme.motions]
        for municipality, _, _ in MUNICIPALITIES:
            info = self.groups[f"faction:{municipality}"]
            kinds = self.rng.choices([ThreadKind.motion, ThreadKind.discussion, ThreadKind.question],
                                     weights=[55, 30, 15], k=self.rng.choice([1, 1, 2, 2, 2]))
            pools: dict[ThreadKind, list[Text] | list[MotionText]] = {
                ThreadKind.motion: FACTION_MOTIONS, ThreadKind.discussion: FACTION_DISCUSSIONS,
                ThreadKind.question: FACTION_QUESTIONS}
            used: set[str] = set()
            for kind in kinds:
                text = self.rng.choice([t for t in pools[kind] if t[0] not in used])
                used.add(text[0])
                plan.append((info, kind, text))
        for province in self.rng.sample(sorted(PROVINCE_NAMES, key=str), k=6):
            plan.append((self.groups[f"province:{province.value}"], ThreadKind.discussion,
                         self.rng.choice(PROVINCE_THREADS)))
        plan += [(self.groups["working"], ThreadKind.discussion, t) for t in WORKING_GROUP_THREADS]
        plan += [(self.groups["board"], ThreadKind.discussion, t) for t in BOARD_THREADS]

        built = [self._thread(info, kind, text) for info, kind, text in plan]
        for draft in built:
            draft.thread, draft.opening = posts.start_thread(
                self.session, channel=draft.channel, author_id=draft.author.id, kind=draft.kind, title=draft.title,
                body=draft.body, at=draft.created, motion=draft.motion)
            draft.thread.reply_count = len(draft.replies)
            draft.thread.last_activity_at = draft.replies[-1].created_at if draft.replies else draft.created
            for reply in draft.replies:
                reply.thread_id = draft.thread.id
                self.session.add(reply)
            for user in draft.co_submitters:
                self.session.add(MotionCoSubmitter(thread_id=draft.thread.id, user_id=user.id))
            for portfolio in draft.portfolios:
                self.session.add(ThreadPortfolio(thread_id=draft.thread.id, portfolio_id=portfolio.id))
        self.session.flush()

        by_username = {u.username: u.id for u in self.users}
        for draft in built:
            written = [draft.opening, *draft.replies]
            for index, quoted in draft.quotes.items():
                draft.replies[index].quote_post_id = written[quoted].id
            if draft.answer is not None:
                draft.thread.answer_post_id = draft.replies[draft.answer].id
            for post in written:
                for user_id in sorted({by_username[n] for n in find_mentions(post.body) if n in by_username}):
                    self.session.add(Mention(post_id=post.id, user_id=user_id))
                self._react(draft.info, post)
        self.session.flush()

    def _thread(self, info: _GroupInfo, kind: ThreadKind, text: Text | MotionText | Topic) -> _ThreadDraft:
        rng = self.rng
        people = [u for u in info.members if u.role == SiteRole.member] or info.members
        councillors = [u for u in people if u.title == Title.raadslid]
        author = rng.choice(councillors if kind == ThreadKind.motion and councillors else people)
        place = info.municipality or author.municipality or "Utrecht"
        province = PROVINCE_NAMES[info.province] if info.province else ""
        created = self.begin + (self.now - timedelta(hours=2) - self.begin) * rng.random() ** 0.8
        title = text[0].format(gemeente=place, provincie=province)
        channel = info.channels["Algemeen"]
        if kind == ThreadKind.motion and "Moties" in info.channels:
            channel = info.channels["Moties"]
        elif kind == ThreadKind.question and "Vragen" in info.channels:
            channel = info.channels["Vragen"]
        draft = _ThreadDraft(info=info, channel=channel, author=author, kind=kind, title=title, created=created)

        if kind == ThreadKind.motion:
            assert len(text) == 4
            body, draft.motion = self._motion(text, place, created)
            if rng.random() < 0.4:
                partners = [u for u in councillors if u is not author and u.municipality == place]
                draft.co_submitters = rng.sample(partners, k=min(len(partners), rng.choice([1, 1, 2])))
        else:
            assert len(text) != 4
            body = text[1].format(gemeente=place, provincie=province)
        if kind == ThreadKind.question:
            holders: list[User] = []
            theme_portfolio = self.portfolios.get(info.group.name)
            if theme_portfolio is not None and rng.random() < 0.6:
                draft.portfolios = [theme_portfolio]
                if rng.random() < 0.3:
                    draft.portfolios.append(self.portfolios[rng.choice(PORTFOLIOS)])
                draft.portfolios = list({p.name: p for p in draft.portfolios}.values())
                holders = [u for u in people if theme_portfolio.name in self._portfolio_names(u) and u is not author]
            if holders and rng.random() < 0.4:
                tagged = rng.sample(holders, k=min(rng.choice([1, 2]), len(holders)))
                names = " en ".join(f"@{u.username}" for u in tagged)
                body += f"\n\n{names}, {'jullie weten' if len(tagged) > 1 else 'jij weet'} hier vast meer van?"
        draft.body = body

        count = rng.choices([0, 1, 2, 3, 4, 5, 6, 8], weights=[7, 12, 15, 18, 16, 13, 11, 8])[0]
        # Replies come hours to days apart; a thread started this morning has them squeezed in before now.
        gaps = [timedelta(hours=rng.expovariate(1 / 14)) for _ in range(count)]
        room = self.now - timedelta(minutes=5) - created
        total = sum(gaps, timedelta())
        if total > room:
            gaps = [gap * (room / total) for gap in gaps]
        moment = created
        authors: list[User] = [author]
        for index in range(count):
            moment += gaps[index]
            replier = rng.choice(people)
            if len(people) > 1:
                while replier is authors[-1]:
                    replier = rng.choice(people)
            own = text[2] if len(text) == 3 else None
            if replier is author and own is None:
                own = AUTHOR_REPLIES
            status = draft.motion.status.value if draft.motion else None
            body = self._reply_text(kind, status, index, count, draft, own).format(
                gemeente=replier.municipality or place)
            others = [u for u in authors if u is not replier]
            if others and rng.random() < 0.2:
                body = f"@{rng.choice(others).username} {body}"
            if index and rng.random() < 0.15:
                draft.quotes[index] = rng.randrange(0, index + 1)  # the opening post or an earlier reply
            draft.replies.append(Post(author_id=replier.id, body=body, body_html=render_markdown(body),
                                      created_at=moment))
            authors.append(replier)
        answers = [i for i in draft.answer_candidates if draft.replies[i].author_id != author.id]
        if answers and rng.random() < 0.7:
            draft.answer = answers[0]
        return draft

    def _reply_text(self, kind: ThreadKind, status: str | None, index: int, count: int,
                    draft: _ThreadDraft, own: list[str] | None) -> str:
        rng = self.rng
        team = draft.info.group.kind == GroupKind.faction
        if own is not None:
            pool = own
        elif kind == ThreadKind.question and rng.random() < 0.5:
            draft.answer_candidates.append(index)
            pool = TEAM_ANSWERS if team else ANSWER_REPLIES
        elif kind == ThreadKind.motion and index == count - 1 and status in STATUS_REPLIES and rng.random() < 0.7:
            pool = STATUS_REPLIES[status]
        elif kind == ThreadKind.motion and rng.random() < 0.6:
            pool = TEAM_MOTION_REPLIES if team else MOTION_REPLIES
        else:
            pool = TEAM_REPLIES if team else GENERIC_REPLIES
        # Nobody says exactly the same thing twice in one conversation.
        fresh = [line for line in pool if line not in draft.said] or pool
        line = rng.choice(fresh)
        draft.said.add(line)
        return line

    def _motion(self, text: MotionText, place: str, created: datetime) -> tuple[str, MotionIn]:
        rng = self.rng
        status = rng.choices(list(MotionStatus), weights=[15, 20, 33, 18, 5, 9])[0]
        vote_result: str | None = None
        today = self.now.date()
        if status == MotionStatus.draft:
            when: date | None = (created + timedelta(days=rng.randint(10, 40))).date() if rng.random() < 0.6 else None
        else:
            when = min((created + timedelta(days=rng.randint(3, 25))).date(), today)
        if status in (MotionStatus.adopted, MotionStatus.rejected):
            seats = rng.choice([27, 29, 31, 33, 35, 37, 39, 45])
            if status == MotionStatus.adopted:
                yes = rng.randint(seats // 2 + 1, seats)
                vote_result = ("Aangenomen met algemene stemmen" if yes == seats
                               else f"Aangenomen met {yes} stemmen voor en {seats - yes} tegen")
            else:
                yes = rng.randint(3, seats // 2)
                vote_result = f"Verworpen met {yes} stemmen voor en {seats - yes} tegen"
        meeting = f"{when.day} {MONTHS[when.month - 1]} {when.year}" if when else "(datum volgt)"
        _, considering, whereas, asks = text
        lines = [MOTION_INTROS[status], "", f"De raad van de gemeente {place}, in vergadering bijeen op {meeting},",
                 "", "**constaterende dat**"]
        lines += [f"- {line.format(gemeente=place)}" for line in considering]
        lines += ["", "**overwegende dat**"] + [f"- {line.format(gemeente=place)}" for line in whereas]
        lines += ["", "**verzoekt het college**"] + [f"- {line.format(gemeente=place)}" for line in asks]
        lines += ["", "en gaat over tot de orde van de dag."]
        motion = MotionIn(municipality=place, date=when, status=status, vote_result=vote_result)
        return "\n".join(lines), motion

    def _react(self, info: _GroupInfo, post: Post) -> None:
        rng = self.rng
        if rng.random() > (0.5 if post.is_opening else 0.3):
            return
        people = [u for u in info.members if u.id != post.author_id]
        for user in rng.sample(people, k=min(len(people), rng.randint(1, 4))):
            emoji = rng.choices(REACTIONS, weights=[12, 5, 3, 2, 2, 2, 2])[0]
            moment = min(post.created_at + timedelta(minutes=rng.randint(2, 600)), self.now)
            self.session.add(Reaction(post_id=post.id, user_id=user.id, emoji=emoji, created_at=moment))


    # --- the interview series ------------------------------------------------------------------------

    def _interviews(self) -> None:
        """"Raadslid in beeld": three interviews published at its past slots, the next slot still empty."""
        cadence = 14
        next_slot = (self.now + timedelta(days=4)).date()
        first = next_slot - timedelta(days=cadence * len(INTERVIEWS))
        series = self.session.scalar(select(Series).where(Series.name == SERIES_NAME))
        if series is None:
            series = Series(slug=slugify(SERIES_NAME), name=SERIES_NAME, description=SERIES_DESCRIPTION,
                            cadence_days=cadence, first_slot=first, created_at=self.begin)
            self.session.add(series)
            self.session.flush()
        people = {u.username: u for u in self.users}
        for k, (username, title, lead, body) in enumerate(INTERVIEWS):
            at = datetime.combine(first + timedelta(days=k * cadence), series.publish_time,
                                  tzinfo=TIMEZONE).astimezone(self.now.tzinfo)
            slug = slugify(title, max_length=100)
            if self.session.scalar(select(Article.id).where(Article.slug == slug)) is not None:
                continue
            article = Article(slug=slug, series_id=series.id, title=title, lead=lead, body=body,
                              body_html=render_markdown(body), author_id=self.manager.id, created_by_id=self.manager.id,
                              subject_id=people[username].id if username in people else None, status="published",
                              published_at=at, in_public_feed=True, created_at=at - timedelta(days=3), updated_at=at)
            self.session.add(article)
            self.session.flush()
            publishing.open_comments(self.session, article)
            self._comment_on(article, at)

    def _comment_on(self, article: Article, published: datetime) -> None:
        """A few members comment (which made them members of the comments' group, as in the app)."""
        thread = self.session.get(Thread, article.thread_id)
        assert thread is not None
        group = self.session.get(Group, thread.group_id)
        assert group is not None
        members = set(self.session.scalars(select(Membership.user_id).where(Membership.group_id == group.id)))
        if self.manager.id not in members:  # she runs the interviews: the comments' group is hers to look after
            members.add(self.manager.id)
            self.session.add(Membership(group_id=group.id, user_id=self.manager.id, role=GroupRole.admin.value,
                                        created_at=self.begin))
        for k, text in enumerate(self.rng.sample(INTERVIEW_COMMENTS, 3)):
            author = self.rng.choice(self.users)
            at = min(published + timedelta(hours=2 + 5 * k), self.now)
            if author.id not in members:
                members.add(author.id)
                self.session.add(Membership(group_id=group.id, user_id=author.id, role=GroupRole.member.value,
                                            created_at=at))
            self.session.add(Post(thread_id=thread.id, author_id=author.id, body=text, body_html=render_markdown(text),
                                  created_at=at))
            thread.reply_count += 1
            thread.last_activity_at = at
        group.member_count = len(members)


@dataclass
class _ThreadDraft:
    info: _GroupInfo
    channel: Channel
    author: User
    kind: ThreadKind
    title: str
    created: datetime
    body: str = ""
    motion: MotionIn | None = None
    thread: Thread = field(init=False)  # made by posts.start_thread, with its opening post
    opening: Post = field(init=False)
    replies: list[Post] = field(default_factory=list)
    quotes: dict[int, int] = field(default_factory=dict)  # reply index → index in [opening, *replies]
    answer_candidates: list[int] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    answer: int | None = None
    co_submitters: list[User] = field(default_factory=list)
    portfolios: list[Portfolio] = field(default_factory=list)

