"""The audit trail (ASVS V16): every security-relevant event with actor, address, time and outcome — also the
failed and the refused ones, whose requests changed nothing; filterable by staff; append-only in the database
itself, with the retention purge the only way out."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.db import utcnow
from app.models import AuditEntry, Job
from app.services import audit
from tests.api.helpers import API, assert_error
from tests.factories import PASSWORD


def entries(session, action: str, **where: Any) -> list[AuditEntry]:
    session.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(session.scalars(stmt))


def one(session, action: str, **where: Any) -> AuditEntry:
    found = entries(session, action, **where)
    assert len(found) == 1, [(e.action, e.target_id, e.outcome) for e in found]
    return found[0]


class TestSigningIn:
    def test_a_login_and_a_logout(self, browser, member, session) -> None:
        client = browser(address="10.20.0.7")
        login = client.post(f"{API}/auth/login", json={"email": member.email, "password": PASSWORD})
        assert login.status_code == 200
        entry = one(session, "auth.login", target_id=member.id)
        assert (entry.actor_id, entry.outcome, entry.ip_address, entry.target_type) == (
            member.id, "success", "10.20.0.7", "user")
        assert abs((utcnow() - entry.created_at).total_seconds()) < 60
        client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]})
        assert one(session, "auth.logout", target_id=member.id).ip_address == "10.20.0.7"

    def test_failed_logins_are_kept_although_nothing_else_is(self, browser, member, session) -> None:
        client = browser(address="10.20.0.8")
        assert_error(client.post(f"{API}/auth/login", json={"email": member.email, "password": "fout"}), 401,
                     "invalid_credentials")
        assert_error(client.post(f"{API}/auth/login", json={"email": "niemand@example.nl", "password": "x"}), 401,
                     "invalid_credentials")
        failed = entries(session, "auth.login_failed")
        assert [(e.target_id, e.outcome, e.ip_address, e.actor_id, e.after) for e in failed] == [
            (member.id, "failed", "10.20.0.8", None, {"reason": "wrong password"}),
            (0, "failed", "10.20.0.8", None, {"reason": "unknown address"}),
        ]
        assert "niemand" not in str([e.after for e in failed])  # a typed address is not kept

    def test_passwords_changed_reset_and_failed(self, client_for, anon, member, mails, session) -> None:
        client = client_for(member)
        assert_error(client.post(f"{API}/auth/password", json={"current_password": "fout",
                                                              "new_password": "een nieuw wachtwoord"}),
                     422, "invalid", "current_password")
        assert one(session, "auth.password_change_failed", target_id=member.id).outcome == "failed"
        assert client.post(f"{API}/auth/password", json={"current_password": PASSWORD,
                                                         "new_password": "een nieuw wachtwoord"}).status_code == 204
        assert one(session, "auth.password_changed", target_id=member.id).actor_id == member.id

        assert anon.post(f"{API}/auth/password-reset", json={"email": member.email}).status_code == 202
        assert anon.post(f"{API}/auth/password-reset", json={"email": "niemand@example.nl"}).status_code == 202
        assert one(session, "auth.password_reset_requested").target_id == member.id  # only for real accounts
        token = re.search(r"/password-reset/([\w-]+)", mails[-1].text).group(1)
        confirm = {"token": token, "new_password": "nog een nieuw wachtwoord"}
        assert anon.post(f"{API}/auth/password-reset/confirm", json=confirm).status_code == 204
        assert one(session, "auth.password_reset", target_id=member.id).outcome == "success"
        assert_error(anon.post(f"{API}/auth/password-reset/confirm", json=confirm), 422, "invalid", "token")
        assert one(session, "auth.password_reset_failed", target_id=member.id).outcome == "failed"

    def test_tokens_and_sessions(self, client_for, member, session) -> None:
        client = client_for(member)
        created = client.post(f"{API}/auth/tokens", json={"name": "script"}).json()
        entry = one(session, "token.created", target_id=created["id"])
        assert entry.after["name"] == "script" and created["token"] not in str(entry.after)  # never the secret
        assert client.delete(f"{API}/auth/tokens/{created['id']}").status_code == 204
        assert one(session, "token.revoked", target_id=created["id"]).actor_id == member.id


class TestStaffActions:
    def test_invites(self, client_for, anon, manager, session) -> None:
        staff = client_for(manager)
        first = staff.post(f"{API}/invites", json={"email": "een@partij.nl"}).json()
        assert one(session, "invite.created", target_id=first["id"]).after == {"email": "een@partij.nl",
                                                                                "role": "member"}
        assert staff.delete(f"{API}/invites/{first['id']}").status_code == 204
        assert one(session, "invite.revoked", target_id=first["id"]).actor_id == manager.id

    def test_groups_created_and_their_visibility_changed(self, client_for, manager, session) -> None:
        staff = client_for(manager)
        group = staff.post(f"{API}/groups", json={"name": "Fractie Delft", "kind": "faction",
                                                  "visibility": "closed"}).json()
        assert one(session, "group.created", target_id=group["id"]).after["visibility"] == "closed"
        assert staff.patch(f"{API}/groups/{group['id']}", json={"visibility": "secret"}).status_code == 200
        changed = one(session, "group.visibility_changed", target_id=group["id"])
        assert (changed.before, changed.after) == ({"visibility": "closed"}, {"visibility": "secret"})

    def test_roles_and_deactivation(self, client_for, admin, member, session) -> None:
        boss = client_for(admin)
        assert boss.patch(f"{API}/admin/users/{member.id}", json={"role": "community_manager"}).status_code == 200
        role = one(session, "account.role_changed", target_id=member.id)
        assert (role.before, role.after) == ({"role": "member"}, {"role": "community_manager"})
        assert boss.patch(f"{API}/admin/users/{member.id}", json={"is_active": False}).status_code == 200
        assert one(session, "account.deactivated", target_id=member.id).after == {"is_active": False}
        assert boss.patch(f"{API}/admin/users/{member.id}", json={"is_active": True}).status_code == 200
        assert one(session, "account.reactivated", target_id=member.id).actor_id == admin.id


class TestRefusals:
    @pytest.mark.parametrize(("method", "path", "body", "refused"), [
        ("GET", "/audit", None, "site.audit"),
        ("POST", "/users/{victim}/suspend", {"reason": "weg ermee"}, "site.silence_members"),
        ("GET", "/moderation/watched-words", None, "site.watch_words"),
        ("POST", "/invites", {"email": "x@partij.nl"}, "site.invite"),
        ("PATCH", "/admin/users/{victim}", {"is_active": False}, "site.manage_users"),
    ])
    def test_a_member_calling_a_staff_action(self, client_for, member, make_user, session, method, path, body,
                                             refused) -> None:
        victim = make_user()
        url = API + path.format(victim=victim.id)
        response = client_for(member).request(method, url, json=body)
        assert response.status_code == 403
        entry = one(session, "access.refused", actor_id=member.id)
        assert entry.outcome == "refused" and entry.after == {"action": refused, "request": f"{method} {url}"}
        assert entry.ip_address == "testclient"

    def test_a_member_running_a_group_she_does_not_run(self, client_for, member, make_group, session) -> None:
        group = make_group(members=(member,))
        assert_error(client_for(member).patch(f"{API}/groups/{group['id']}", json={"visibility": "secret"}),
                     403, "group_admins_only")
        assert one(session, "access.refused", actor_id=member.id).after["action"] == "group.administer"
        assert entries(session, "group.visibility_changed") == []

    def test_a_community_manager_changing_roles(self, client_for, manager, member, session) -> None:
        assert_error(client_for(manager).patch(f"{API}/admin/users/{member.id}", json={"role": "admin"}), 403,
                     "admins_only", "role")
        assert one(session, "access.refused", actor_id=manager.id).after["action"] == "site.change_roles"

    def test_everyday_refusals_are_not_audited(self, client_for, member, make_group, make_thread, make_user,
                                               session) -> None:
        author = make_user()
        group = make_group(visibility="closed", members=(author,))
        assert client_for(member).get(f"{API}/groups/{group['id']}/threads").status_code == 403  # join first
        assert entries(session, "access.refused") == []


class TestReadingIt:
    def test_filters_and_fields(self, client_for, browser, manager, member, session) -> None:
        browser(address="10.30.0.1").post(f"{API}/auth/login", json={"email": member.email, "password": "fout"})
        client_for(member).get(f"{API}/audit")  # refused, and so recorded
        staff = client_for(manager)
        failed = staff.get(f"{API}/audit", params={"outcome": "failed"}).json()["items"]
        assert [(e["action"], e["outcome"], e["ip_address"]) for e in failed] == [
            ("auth.login_failed", "failed", "10.30.0.1")]
        refused = staff.get(f"{API}/audit", params={"outcome": "refused", "actor_id": member.id}).json()["items"]
        assert [e["action"] for e in refused] == ["access.refused"]
        assert [e["action"] for e in staff.get(f"{API}/audit", params={"address": "10.30.0.1"}).json()["items"]] \
            == ["auth.login_failed"]
        later = (utcnow() + timedelta(hours=1)).isoformat()
        assert staff.get(f"{API}/audit", params={"since": later}).json()["items"] == []
        assert staff.get(f"{API}/audit", params={"until": later, "outcome": "failed"}).json()["items"] == failed
        assert_error(staff.get(f"{API}/audit", params={"outcome": "maybe"}), 422, "invalid", "outcome")
        assert_error(staff.get(f"{API}/audit", params={"action": "auth.everything"}), 422, "invalid", "action")
        assert_error(staff.get(f"{API}/audit", params={"since": "gisteren"}), 422, "invalid", "since")

    def test_the_page_in_dutch(self, client_for, browser, manager, member) -> None:
        browser().post(f"{API}/auth/login", json={"email": member.email, "password": "fout"})
        page = client_for(manager).get("/manage/audit?outcome=failed")
        assert page.status_code == 200
        assert "Inloggen mislukt" in page.text and "Mislukt" in page.text and "auth.login_failed</" not in page.text
        assert '<option value="failed" selected>' in page.text
        table = page.text[page.text.index('<table class="audit">'):]
        assert "Niemand ingelogd" in table and "Oud-lid" not in table  # a failed login has no actor


class TestAppendOnly:
    """The database itself refuses to change or remove entries (both databases)."""

    @staticmethod
    def refused(session, statement: str, **params: Any) -> None:
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement), params)

    def test_no_update_no_delete(self, client_for, manager, member, session) -> None:
        client_for(manager).post(f"{API}/users/{member.id}/silence", json={"days": 1, "reason": "Even rustig"})
        entry = one(session, "member.silenced")
        self.refused(session, "UPDATE audit_log SET action = 'niets' WHERE id = :id", id=entry.id)
        self.refused(session, "UPDATE audit_log SET outcome = 'failed' WHERE id = :id", id=entry.id)
        self.refused(session, "UPDATE audit_log SET actor_id = :other WHERE id = :id", id=entry.id, other=member.id)
        self.refused(session, "DELETE FROM audit_log WHERE id = :id", id=entry.id)
        self.refused(session, "DELETE FROM audit_log")
        if session.bind.dialect.name == "postgresql":
            self.refused(session, "TRUNCATE audit_log")
        assert one(session, "member.silenced").action == "member.silenced"

    def test_a_removed_user_leaves_her_entries(self, client_for, make_user, manager, session) -> None:
        gone = make_user()
        client_for(gone).post(f"{API}/auth/tokens", json={"name": "weg"})
        session.execute(text("DELETE FROM users WHERE id = :id"), {"id": gone.id})  # the foreign key's SET NULL
        session.commit()
        entry = one(session, "token.created")
        assert entry.actor_id is None and entry.after["name"] == "weg"

    def test_the_retention_purge_is_the_only_way_out(self, run, session, settings, monkeypatch) -> None:
        monkeypatch.setattr(settings, "audit_retention_days", 365)
        now = utcnow()
        for days in (400, 366, 10):
            session.execute(text("INSERT INTO audit_log (action, target_type, target_id, outcome, created_at) "
                                 "VALUES ('auth.login', 'user', :days, 'success', :at)"),
                            {"days": days, "at": now - timedelta(days=days)})
        session.commit()
        assert run(audit.purge, now=now) == 2
        assert [e.target_id for e in entries(session, "auth.login")] == [10]
        assert one(session, "audit.purged").after["removed"] == 2
        # The purge's cutoff allows nothing newer, even inside its own transaction.
        session.execute(text("INSERT INTO audit_purge (before) VALUES (:at)"), {"at": now - timedelta(days=365)})
        self.refused(session, "DELETE FROM audit_log WHERE target_id = 10")
        session.rollback()

    def test_the_job_runner_purges_daily(self, db, settings, session) -> None:
        from app.db import unit_of_work
        from app.mailer import LogTransport
        from app.worker import Worker

        with unit_of_work(db, None) as s:
            audit.schedule_purge(s)
            audit.schedule_purge(s)  # the next run is queued once, whoever asks
        [job] = session.scalars(select(Job).where(Job.kind == "audit.purge"))
        assert job.run_at > utcnow() and job.run_at - utcnow() <= timedelta(days=1)
        note = Worker(db, settings, LogTransport())._purge_audit_now(utcnow())
        assert note.endswith("audit entries past the retention removed")
