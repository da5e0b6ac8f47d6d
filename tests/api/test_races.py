"""Races with real concurrency: requests in threads against a committed database of the suite's backend
(SQLite or PostgreSQL), released at the same moment. Nothing answers 500, nothing is applied twice: the
database's constraints decide who inserts, a conditional update decides who decides; every loser gets the
same success answer (where the action is idempotent) or a 409 that says what happened."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.models import (
    AuditEntry,
    Channel,
    Flag,
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
    ModerationItem,
    Notification,
    Reaction,
    User,
    WatchedWord,
)
from app.schemas.groups import GroupCreate
from app.schemas.posts import ReplyCreate, ThreadCreate
from app.services import groups, posts
from tests.api.concurrency import LiveSite, at_once, live_site
from tests.api.helpers import API

TABS = 6
THUMBS = "\N{THUMBS UP SIGN}"


@pytest.fixture(scope="module")
def site(settings, tmp_path_factory) -> Iterator[LiveSite]:
    with live_site(settings, tmp_path_factory.mktemp("races")) as live:
        yield live


@pytest.fixture
def manager(site: LiveSite):
    return site.user("community_manager", display_name="Carla Manager")


def new_group(site: LiveSite, manager, *, visibility: str = "open", members=()) -> tuple[int, int]:
    """(group id, default channel id), with `members` in it."""
    out = site.run(groups.create_group, manager, data=GroupCreate(name=f"Groep {site.user().id}", kind="theme",
                                                                  visibility=visibility))
    for user in members:
        invitation = site.run(groups.invite_to_group, manager, group_id=out.id, user_id=user.id)
        site.run(groups.decide_invitation, user, invitation_id=invitation.id, accept=True)
    return out.id, site.run(groups.list_channels, manager, group_id=out.id)[0].id


def statuses(responses: list[Any]) -> list[int]:
    for r in responses:
        if isinstance(r, BaseException):
            raise r
    return sorted(r.status_code for r in responses)


def error_codes(responses: list[Any]) -> list[str]:
    return sorted(r.json()["error"]["code"] for r in responses if r.status_code >= 400)


def events_of(site: LiveSite, type_: str, topic: str) -> int:
    return sum(1 for e in site.events if e.type == type_ and e.topic == topic)


# --- 1. check-then-insert: the constraint decides ------------------------------------------------


class TestJoiningAtOnce:
    def test_one_member_from_many_tabs_is_one_membership(self, site: LiveSite, manager) -> None:
        group_id, _ = new_group(site, manager)
        joiner = site.user()
        tabs = [site.client(joiner) for _ in range(TABS)]
        responses = at_once(*[lambda c=c: c.post(f"{API}/groups/{group_id}/join") for c in tabs])
        # Idempotent: whoever came second is a member as well, and hears the same answer.
        assert statuses(responses) == [200] * TABS, [r.text for r in responses]
        assert {(r.json()["status"], r.json()["group"]["my_role"]) for r in responses} == {("member", "member")}
        assert site.count(Membership, Membership.group_id == group_id, Membership.user_id == joiner.id) == 1
        assert site.scalar(select(Group.member_count).where(Group.id == group_id)) == 2
        assert events_of(site, "membership.changed", f"group:{group_id}") == 1
        again = tabs[0].post(f"{API}/groups/{group_id}/join")
        assert again.status_code == 200 and again.json()["status"] == "member"

    def test_many_members_at_once_are_all_counted(self, site: LiveSite, manager) -> None:
        group_id, _ = new_group(site, manager)
        joiners = [site.user() for _ in range(TABS)]
        tabs = [site.client(u) for u in joiners]
        responses = at_once(*[lambda c=c: c.post(f"{API}/groups/{group_id}/join") for c in tabs])
        assert statuses(responses) == [200] * TABS, [r.text for r in responses]
        assert site.count(Membership, Membership.group_id == group_id) == TABS + 1
        assert site.scalar(select(Group.member_count).where(Group.id == group_id)) == TABS + 1

    def test_one_join_request_from_many_tabs(self, site: LiveSite, manager) -> None:
        group_id, _ = new_group(site, manager, visibility="closed")
        asker = site.user()
        tabs = [site.client(asker) for _ in range(TABS)]
        responses = at_once(*[lambda c=c: c.post(f"{API}/groups/{group_id}/join", json={"message": "Graag"})
                              for c in tabs])
        assert statuses(responses) == [200] + [409] * (TABS - 1), [r.text for r in responses]
        assert error_codes(responses) == ["join_request_pending"] * (TABS - 1)
        assert [r.json()["status"] for r in responses if r.status_code == 200] == ["requested"]
        assert site.count(JoinRequest, JoinRequest.group_id == group_id, JoinRequest.user_id == asker.id) == 1
        assert events_of(site, "join_request.created", f"group:{group_id}") == 1

    def test_two_admins_invite_the_same_member(self, site: LiveSite, manager) -> None:
        other_admin = site.user("admin")
        group_id, _ = new_group(site, manager, visibility="secret")
        invitee = site.user()
        staff = [site.client(manager), site.client(other_admin)] * 2
        responses = at_once(*[lambda c=c: c.post(f"{API}/groups/{group_id}/invitations", json={"user_id": invitee.id})
                              for c in staff])
        assert statuses(responses) == [201] * len(staff), [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1  # the one invitation, shown to each of them
        assert site.count(GroupInvitation, GroupInvitation.group_id == group_id,
                          GroupInvitation.user_id == invitee.id) == 1
        assert events_of(site, "group_invitation.created", f"user:{invitee.id}") == 1


class TestReactingAtOnce:
    def test_the_same_reaction_from_many_tabs(self, site: LiveSite, manager) -> None:
        author, reader = site.user(), site.user()
        _, channel_id = new_group(site, manager, members=(author, reader))
        thread = site.run(posts.create_thread, author, channel_id=channel_id,
                          data=ThreadCreate(title="Bomen", body="Wie weet dit?"))
        post_id = thread.opening_post.id
        url = f"{API}/posts/{post_id}/reactions/{THUMBS}"
        tabs = [site.client(reader) for _ in range(TABS)]
        topic = f"thread:{thread.id}"

        responses = at_once(*[lambda c=c: c.put(url) for c in tabs])
        assert statuses(responses) == [200] * TABS, [r.text for r in responses]
        assert {str(r.json()["reactions"]) for r in responses} == {str([{"emoji": THUMBS, "count": 1, "mine": True}])}
        assert site.count(Reaction, Reaction.post_id == post_id) == 1
        assert events_of(site, "reaction.changed", topic) == 1

        responses = at_once(*[lambda c=c: c.delete(url) for c in tabs])
        assert statuses(responses) == [200] * TABS, [r.text for r in responses]
        assert {str(r.json()["reactions"]) for r in responses} == {"[]"}
        assert site.count(Reaction, Reaction.post_id == post_id) == 0
        assert events_of(site, "reaction.changed", topic) == 2


class TestFlaggingAtOnce:
    def test_many_members_flag_one_post_into_one_queue_item(self, site: LiveSite, manager) -> None:
        author, *readers = [site.user() for _ in range(TABS + 1)]
        group_id, channel_id = new_group(site, manager, members=(author, *readers))
        thread = site.run(posts.create_thread, author, channel_id=channel_id,
                          data=ThreadCreate(title="Verkiezingen", body="Koop nu!"))
        post_id = thread.opening_post.id
        tabs = [site.client(u) for u in readers]
        responses = at_once(*[lambda c=c: c.post(f"{API}/posts/{post_id}/flags", json={"reason": "spam"})
                              for c in tabs])
        assert statuses(responses) == [201] * TABS, [r.text for r in responses]
        assert site.count(Flag, Flag.post_id == post_id) == TABS
        assert site.rows(select(ModerationItem.status, ModerationItem.reasons)
                         .where(ModerationItem.post_id == post_id)) == [("pending", ["flag"])]

    def test_one_member_flags_twice_at_once(self, site: LiveSite, manager) -> None:
        author, reader = site.user(), site.user()
        _, channel_id = new_group(site, manager, members=(author, reader))
        thread = site.run(posts.create_thread, author, channel_id=channel_id,
                          data=ThreadCreate(title="Verkiezingen", body="Koop nu!"))
        post_id = thread.opening_post.id
        tabs = [site.client(reader) for _ in range(TABS)]
        responses = at_once(*[lambda c=c: c.post(f"{API}/posts/{post_id}/flags", json={"reason": "spam"})
                              for c in tabs])
        assert statuses(responses) == [201] + [409] * (TABS - 1), [r.text for r in responses]
        assert error_codes(responses) == ["already_flagged"] * (TABS - 1)
        assert site.count(Flag, Flag.post_id == post_id) == 1
        assert site.count(ModerationItem, ModerationItem.post_id == post_id) == 1


class TestNamingAtOnce:
    def test_the_same_watched_word(self, site: LiveSite, manager) -> None:
        staff = [site.client(manager), site.client(site.user("admin"))] * 2
        word = f"verboden{site.user().id}"
        responses = at_once(*[lambda c=c: c.post(f"{API}/moderation/watched-words",
                                                 json={"word": word, "action": "hold"}) for c in staff])
        assert statuses(responses) == [201] + [409] * 3, [r.text for r in responses]
        assert error_codes(responses) == ["watched_word_exists"] * 3
        assert {r.json()["error"]["field"] for r in responses if r.status_code == 409} == {"word"}
        assert site.count(WatchedWord, WatchedWord.word == word) == 1

    def test_the_same_channel_name(self, site: LiveSite, manager) -> None:
        group_id, _ = new_group(site, manager)
        tabs = [site.client(manager) for _ in range(4)]
        responses = at_once(*[lambda c=c: c.post(f"{API}/groups/{group_id}/channels", json={"name": "Moties"})
                              for c in tabs])
        assert statuses(responses) == [201] + [409] * 3, [r.text for r in responses]
        assert error_codes(responses) == ["channel_name_taken"] * 3
        assert site.count(Channel, Channel.group_id == group_id, Channel.name == "Moties") == 1



# --- 2. deciding at once: a conditional update decides, exactly one wins --------------------------


DECIDE = {"approve": ("approve", {}), "edit": ("approve", {"body": "Nagekeken door de moderator."}),
          "reject": ("reject", {"reason": "Niet hier"}), "dismiss": ("dismiss", {})}
DONE = {"approve": "approved", "edit": "approved", "reject": "rejected", "dismiss": "dismissed"}


def decide_at_once(site: LiveSite, item_id: int, choices: list[tuple[Any, str]]) -> tuple[Any, str, list[Any]]:
    """Moderators decide one queue item at the same moment: (the winner, what she chose, the losers' answers)."""
    responses = at_once(*[lambda c=c, how=how: c.post(f"{API}/moderation/items/{item_id}/{DECIDE[how][0]}",
                                                     json=DECIDE[how][1]) for c, how in choices])
    assert statuses(responses) == [200] + [409] * (len(choices) - 1), [r.text for r in responses]
    [(winner, how)] = [(c, how) for (c, how), r in zip(choices, responses, strict=True) if r.status_code == 200]
    losers = [r for r in responses if r.status_code == 409]
    assert error_codes(losers) == ["already_decided"] * len(losers)
    return winner, how, losers


class TestModeratorsAtOnce:
    @pytest.fixture
    def moderators(self, site: LiveSite, manager):
        return [manager, site.user("admin", display_name="Ada Admin"), site.user("admin", display_name="Bo Admin"),
                site.user("community_manager", display_name="Cor Manager")]

    def held_reply(self, site: LiveSite, manager) -> dict[str, int]:
        """A reply in a pre-moderated group: it waits for a moderator, counted nowhere yet."""
        from app.schemas.groups import GroupUpdate

        author = site.user(display_name="Auteur")
        group_id, channel_id = new_group(site, manager, members=(author,))
        site.run(groups.update_group, manager, group_id=group_id, data=GroupUpdate(premoderated=True))
        thread = site.run(posts.create_thread, manager, channel_id=channel_id,
                          data=ThreadCreate(title="Begroting", body="Wat vinden jullie?"))
        reply = site.run(posts.create_reply, author, thread_id=thread.id, data=ReplyCreate(body="Te duur."))
        assert reply.held
        item_id = site.scalar(select(ModerationItem.id).where(ModerationItem.post_id == reply.id))
        return {"author": author.id, "thread": thread.id, "post": reply.id, "item": item_id, "group": group_id}

    def flagged_reply(self, site: LiveSite, manager) -> dict[str, int]:
        """A live reply (counted) that a member flagged."""
        from app.schemas.moderation import FlagIn
        from app.services import moderation

        author, reader = site.user(display_name="Auteur"), site.user()
        group_id, channel_id = new_group(site, manager, members=(author, reader))
        thread = site.run(posts.create_thread, manager, channel_id=channel_id,
                          data=ThreadCreate(title="Begroting", body="Wat vinden jullie?"))
        reply = site.run(posts.create_reply, author, thread_id=thread.id, data=ReplyCreate(body="Koop nu!"))
        site.run(moderation.flag_post, reader, post_id=reply.id, data=FlagIn(reason="spam"))
        item_id = site.scalar(select(ModerationItem.id).where(ModerationItem.post_id == reply.id))
        return {"author": author.id, "thread": thread.id, "post": reply.id, "item": item_id, "group": group_id}

    def outcome(self, site: LiveSite, ids: dict[str, int]) -> dict[str, Any]:
        from app.models import Post, Thread

        [(status, decided_by)] = site.rows(select(ModerationItem.status, ModerationItem.decided_by_id)
                                           .where(ModerationItem.post_id == ids["post"]))
        [(held, deleted, body)] = site.rows(select(Post.held_at.is_not(None), Post.deleted_at.is_not(None), Post.body)
                                            .where(Post.id == ids["post"]))
        return {
            "status": status, "decided_by": decided_by, "held": held, "deleted": deleted, "body": body,
            "replies": site.scalar(select(Thread.reply_count).where(Thread.id == ids["thread"])),
            "audit": sorted(a for (a,) in site.rows(select(AuditEntry.action).where(
                AuditEntry.target_type == "post", AuditEntry.target_id == ids["post"]))),
            "told": sorted(site.rows(select(Notification.kind, Notification.count).where(
                Notification.user_id == ids["author"], Notification.group_key.like(f"post:{ids['post']}:%")))),
            "live": events_of(site, "post.created", f"thread:{ids['thread']}"),
        }

    def test_approve_and_reject_a_held_reply(self, site: LiveSite, manager, moderators) -> None:
        ids = self.held_reply(site, manager)
        _, how, losers = decide_at_once(site, ids["item"], list(zip(
            [site.client(m) for m in moderators], ["approve", "reject", "edit", "reject"], strict=True)))
        # The losers hear what happened and who did it; the decision that won is the one on item and post.
        done = self.outcome(site, ids)
        name = next(m.display_name for m in moderators if m.id == done["decided_by"])
        assert {r.json()["error"]["message"] for r in losers} == {f"This item was already {DONE[how]} by {name}."}
        if how == "reject":
            assert done | {"decided_by": None} == {
                "status": "rejected", "decided_by": None, "held": True, "deleted": True, "body": "Te duur.",
                "replies": 0, "audit": ["post.rejected"], "told": [("moderation", 1)], "live": 0}
        else:
            assert done | {"decided_by": None} == {
                "status": "approved", "decided_by": None, "held": False, "deleted": False,
                "body": "Te duur." if how == "approve" else "Nagekeken door de moderator.", "replies": 1,
                "audit": ["post.approved" if how == "approve" else "post.edited_and_approved"],
                "told": [("post_approved", 1)], "live": 1}

    def test_approve_twice_counts_the_reply_once(self, site: LiveSite, manager, moderators) -> None:
        ids = self.held_reply(site, manager)
        decide_at_once(site, ids["item"], [(site.client(m), "approve") for m in moderators])
        done = self.outcome(site, ids)
        assert (done["status"], done["held"], done["replies"], done["audit"], done["told"], done["live"]) == (
            "approved", False, 1, ["post.approved"], [("post_approved", 1)], 1)

    def test_reject_dismiss_and_approve_a_flagged_reply(self, site: LiveSite, manager, moderators) -> None:
        from app.models import Flag

        ids = self.flagged_reply(site, manager)
        _, how, _ = decide_at_once(site, ids["item"], list(zip(
            [site.client(m) for m in moderators], ["reject", "dismiss", "reject", "approve"], strict=True)))
        done = self.outcome(site, ids)
        expected = {
            "reject": ("rejected", True, 0, ["post.rejected", "post.removed"], [("moderation", 1)]),
            "dismiss": ("dismissed", False, 1, ["flags.dismissed"], []),
            "approve": ("approved", False, 1, ["post.approved"], []),
        }[how]
        assert (done["status"], done["deleted"], done["replies"], done["audit"], done["told"]) == expected
        assert site.count(Flag, Flag.post_id == ids["post"], Flag.handled_at.is_(None)) == 0

    def test_the_author_deletes_while_a_moderator_approves(self, site: LiveSite, manager) -> None:
        ids = self.held_reply(site, manager)
        author = site.client(site.scalar(select(User).where(User.id == ids["author"])))
        moderator = site.client(manager)
        approved, deleted = at_once(
            lambda: moderator.post(f"{API}/moderation/items/{ids['item']}/approve", json={}),
            lambda: author.delete(f"{API}/posts/{ids['post']}"))
        assert deleted.status_code == 204, deleted.text
        done = self.outcome(site, ids)
        # Either order, the counter is exact and the item tells the truth about the post.
        assert (done["deleted"], done["replies"]) == (True, 0)
        if approved.status_code == 200:
            assert (done["status"], done["audit"], done["told"]) == ("approved", ["post.approved"],
                                                                     [("post_approved", 1)])
        else:
            assert (approved.status_code, approved.json()["error"]["code"]) == (409, "already_decided")
            assert (done["status"], done["audit"], done["told"]) == ("withdrawn", [], [])


class TestGroupDecisionsAtOnce:
    def test_admins_approve_and_decline_one_join_request(self, site: LiveSite, manager) -> None:
        admins = [manager, site.user("admin", display_name="Ada Admin"), site.user("admin", display_name="Bo Admin")]
        group_id, _ = new_group(site, manager, visibility="closed")
        asker = site.user()
        site.run(groups.join_group, asker, group_id=group_id, message="Graag")
        request_id = site.scalar(select(JoinRequest.id).where(JoinRequest.user_id == asker.id))
        choices = list(zip([site.client(a) for a in admins], ["approve", "decline", "approve"], strict=True))
        responses = at_once(*[lambda c=c, how=how: c.post(f"{API}/join-requests/{request_id}/{how}")
                              for c, how in choices])
        assert statuses(responses) == [200, 409, 409], [r.text for r in responses]
        assert error_codes(responses) == ["already_decided"] * 2
        [won] = [r.json() for r in responses if r.status_code == 200]
        [(status, decided_by)] = site.rows(select(JoinRequest.status, JoinRequest.decided_by_id)
                                           .where(JoinRequest.id == request_id))
        name = next(a.display_name for a in admins if a.id == decided_by)
        assert won["status"] == status
        assert {r.json()["error"]["message"] for r in responses if r.status_code == 409} == {
            f"This request was already {status} by {name}."}
        member = status == "approved"
        assert site.count(Membership, Membership.group_id == group_id, Membership.user_id == asker.id) == member
        assert site.scalar(select(Group.member_count).where(Group.id == group_id)) == 1 + member
        assert site.rows(select(AuditEntry.action).where(AuditEntry.group_id == group_id,
                                                         AuditEntry.target_id == asker.id)) == [
            (f"join_request.{status}",)]
        assert site.rows(select(Notification.detail, Notification.count).where(
            Notification.user_id == asker.id, Notification.kind == "join_request")) == [(status, 1)]
        assert events_of(site, "join_request.decided", f"user:{asker.id}") == 1
        assert events_of(site, "membership.changed", f"group:{group_id}") == member

    def test_an_invitation_accepted_and_declined_in_two_tabs(self, site: LiveSite, manager) -> None:
        group_id, _ = new_group(site, manager, visibility="secret")
        invitee = site.user()
        invitation = site.run(groups.invite_to_group, manager, group_id=group_id, user_id=invitee.id)
        choices = list(zip([site.client(invitee) for _ in range(4)], ["accept", "accept", "decline", "accept"],
                           strict=True))
        responses = at_once(*[lambda c=c, how=how: c.post(f"{API}/group-invitations/{invitation.id}/{how}")
                              for c, how in choices])
        assert statuses(responses) == [200, 409, 409, 409], [r.text for r in responses]
        assert error_codes(responses) == ["already_decided"] * 3
        status = site.scalar(select(GroupInvitation.status).where(GroupInvitation.id == invitation.id))
        assert {r.json()["error"]["message"] for r in responses if r.status_code == 409} == {
            f"This invitation was already {'accepted' if status == 'approved' else 'declined'}."}
        member = status == "approved"
        assert site.count(Membership, Membership.group_id == group_id, Membership.user_id == invitee.id) == member
        assert site.scalar(select(Group.member_count).where(Group.id == group_id)) == 1 + member
        assert events_of(site, "membership.changed", f"group:{group_id}") == member


class TestQuestionAudienceAtOnce:
    def test_two_managers_send_one_large_question(self, site: LiveSite, manager, monkeypatch) -> None:
        from app.config import get_settings
        from app.models import Thread, UserPortfolio
        from app.services import profiles

        monkeypatch.setattr(get_settings(), "question_audience_approval_over", 1)
        asker, *holders = [site.user() for _ in range(4)]
        _, channel_id = new_group(site, manager, members=(asker, *holders))
        portfolio = site.run(profiles.create_portfolio, manager, name=f"Wonen {asker.id}")
        with site.db.sessionmaker() as s:
            s.add_all([UserPortfolio(user_id=h.id, portfolio_id=portfolio.id) for h in holders])
            s.commit()
        thread = site.run(posts.create_thread, asker, channel_id=channel_id, data=ThreadCreate(
            kind="question", title="Wie weet van tiny houses?", body="Graag hulp", portfolio_ids=[portfolio.id]))
        assert thread.audience.status == "pending"
        staff = [site.client(manager), site.client(site.user("admin")), site.client(manager)]
        choices = list(zip(staff, [True, True, False], strict=True))
        responses = at_once(*[lambda c=c, yes=yes: c.post(f"{API}/threads/{thread.id}/audience",
                                                         json={"approve": yes}) for c, yes in choices])
        assert statuses(responses) == [200, 409, 409], [r.text for r in responses]
        assert error_codes(responses) == ["already_decided"] * 2
        status = site.scalar(select(Thread.audience_status).where(Thread.id == thread.id))
        [won] = [r.json() for r in responses if r.status_code == 200]
        assert won["status"] == status
        expected = "This question was already sent to its 3 recipients." if status == "sent" else \
            "This question was already declined."
        assert {r.json()["error"]["message"] for r in responses if r.status_code == 409} == {expected}
        asked = sorted(site.rows(select(Notification.user_id, Notification.count).where(
            Notification.thread_id == thread.id, Notification.kind == "question")))
        assert asked == ([(h.id, 1) for h in sorted(holders, key=lambda u: u.id)] if status == "sent" else [])


# --- found in review: the same shapes elsewhere ----------------------------------------------------


class TestMoreAtOnce:
    def test_her_portfolios_saved_from_many_tabs(self, site: LiveSite, manager) -> None:
        from app.models import Portfolio, UserPortfolio

        staff = site.client(manager)
        ids = [staff.post(f"{API}/portfolios", json={"name": f"Portefeuille {site.user().id}"}).json()["id"]
               for _ in range(2)]
        member = site.user()
        tabs = [site.client(member) for _ in range(4)]
        for chosen in (ids, [], ids[:1]):
            responses = at_once(*[lambda c=c, chosen=chosen: c.patch(f"{API}/me", json={"portfolio_ids": chosen})
                                  for c in tabs])
            assert statuses(responses) == [200] * 4, [r.text for r in responses]
            assert sorted(r[0] for r in site.rows(select(UserPortfolio.portfolio_id)
                                                  .where(UserPortfolio.user_id == member.id))) == sorted(chosen)
            assert {p["id"] for p in tabs[0].get(f"{API}/me").json()["portfolios"]} == set(chosen)
        assert site.count(Portfolio, Portfolio.id.in_(ids)) == 2

    def test_a_watched_word_removed_from_many_tabs(self, site: LiveSite, manager) -> None:
        staff = [site.client(manager), site.client(site.user("admin"))] * 2
        word = f"weg{site.user().id}"
        word_id = staff[0].post(f"{API}/moderation/watched-words", json={"word": word, "action": "hold"}).json()["id"]
        responses = at_once(*[lambda c=c: c.delete(f"{API}/moderation/watched-words/{word_id}") for c in staff])
        assert statuses(responses) == [204] + [404] * 3, [r.text for r in responses]
        assert error_codes(responses) == ["not_found"] * 3
        assert site.count(AuditEntry, AuditEntry.action == "watched_word.removed",
                          AuditEntry.target_id == word_id) == 1

    def test_an_article_deleted_from_many_tabs(self, site: LiveSite, manager) -> None:
        from app.models import Article

        tabs = [site.client(manager) for _ in range(4)]
        article = tabs[0].post(f"{API}/articles", json={"title": f"Interview {site.user().id}", "lead": "Kort.",
                                                        "body": "Tekst."}).json()
        responses = at_once(*[lambda c=c: c.delete(f"{API}/articles/{article['id']}") for c in tabs])
        assert statuses(responses) == [204] + [404] * 3, [r.text for r in responses]
        assert site.count(Article, Article.id == article["id"]) == 0
        assert site.count(AuditEntry, AuditEntry.action == "article.deleted",
                          AuditEntry.target_id == article["id"]) == 1

    def test_two_staff_invite_one_address(self, site: LiveSite, manager) -> None:
        from app.models import Invite

        staff = [site.client(manager), site.client(site.user("admin"))] * 2
        email = f"nieuw{site.user().id}@example.nl"
        responses = at_once(*[lambda c=c: c.post(f"{API}/invites", json={"email": email}) for c in staff])
        assert 201 in statuses(responses) and set(statuses(responses)) <= {201, 409}, [r.text for r in responses]
        assert set(error_codes(responses)) <= {"invite_just_sent"}
        assert site.count(Invite, Invite.email == email, Invite.accepted_at.is_(None),
                          Invite.revoked_at.is_(None)) == 1

    def test_the_last_two_admins_leave_at_once(self, site: LiveSite, manager) -> None:
        first, second, member = site.user(), site.user(), site.user()
        group_id, _ = new_group(site, manager, members=(first, second, member))
        # The manager (staff) makes both admins, then leaves: the two are the group's only admins.
        for admin in (first, second):
            site.run(groups.set_member_role, manager, group_id=group_id, user_id=admin.id, role="admin")
        site.run(groups.remove_member, manager, group_id=group_id, user_id=manager.id)
        responses = at_once(*[lambda u=u: site.client(u).delete(f"{API}/groups/{group_id}/members/{u.id}")
                              for u in (first, second)])
        assert statuses(responses) == [204, 409], [r.text for r in responses]
        assert site.count(Membership, Membership.group_id == group_id, Membership.role == "admin") == 1
        assert site.scalar(select(Group.member_count).where(Group.id == group_id)) == 2


class TestUploadingAtOnce:
    """The storage quota is checked and counted in one statement: parallel uploads by one member never store
    more than what is left of it, and storage_used stays the exact sum of what was stored."""

    @staticmethod
    def upload_all(site: LiveSite, member, sizes: list[int]) -> list[Any]:
        tabs = [site.client(member) for _ in sizes]
        return at_once(*[lambda c=c, n=n, i=i: c.post(f"{API}/attachments", files={
            "file": (f"notulen-{i}.txt", b"x" * n, "text/plain")})
            for i, (c, n) in enumerate(zip(tabs, sizes, strict=True))])

    def test_never_more_than_the_rest_of_the_quota(self, site: LiveSite, monkeypatch) -> None:
        from app.config import get_settings
        from app.models import Attachment

        monkeypatch.setattr(get_settings(), "storage_quota_bytes", 10_000)
        member = site.user(storage_used=1_000)
        responses = self.upload_all(site, member, [3_000] * TABS)
        assert statuses(responses) == [201] * 3 + [413] * (TABS - 3)
        assert set(error_codes(responses)) == {"quota_exceeded"}
        stored = site.rows(select(Attachment.size).where(Attachment.uploader_id == member.id))
        assert len(stored) == 3
        assert site.scalar(select(User.storage_used).where(User.id == member.id)) == 1_000 + 9_000

    def test_storage_used_is_the_exact_sum(self, site: LiveSite) -> None:
        from app.models import Attachment

        member = site.user()
        sizes = [1_000 + i for i in range(TABS)]
        assert statuses(self.upload_all(site, member, sizes)) == [201] * TABS
        assert sorted(size for (size,) in site.rows(select(Attachment.size).where(
            Attachment.uploader_id == member.id))) == sizes
        assert site.scalar(select(User.storage_used).where(User.id == member.id)) == sum(sizes)
