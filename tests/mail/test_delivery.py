"""Mail end to end, against a real SMTP server on loopback (aiosmtpd): immediate mail, digests, one-click
unsubscribe, and the outbox surviving a killed worker and an SMTP server that is down."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.config import get_settings
from app.db import Database, make_engine, unit_of_work, utcnow
from app.effects import NO_LIVE_CLIENTS
from app.jobs import Mail
from app.mailer import SmtpTransport, build_message
from app.models import Job, User
from app.models.enums import DigestFrequency, NotificationLevel
from app.schemas.groups import GroupCreate
from app.schemas.posts import ReplyCreate, ThreadCreate
from app.security import hash_password
from app.services import digests, groups, notifications, posts
from app.worker import Worker
from tests.backends import free_port
from tests.factories import PASSWORD
from tests.servers import committed_database, plein, serving, site_env, smtp_server, wait_for


def worker_for(db, settings, port: int) -> Worker:
    return Worker(db, settings, SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=5), name="test-worker")


def reply(run, author, thread_id: int, body: str):
    return run(posts.create_reply, author, thread_id=thread_id, data=ReplyCreate(body=body))


@pytest.fixture
def people(make_user):
    return (make_user(username="anna", display_name="Anna de Vries", email="anna@example.nl"),
            make_user(username="bert", display_name="Bert Jansen", email="bert@example.nl"))


class TestImmediateMail:
    def test_a_mention_is_mailed_once(self, db, settings, run, people, make_group, make_thread) -> None:
        anna, bert = people
        group = make_group("Wonen", members=(anna, bert))
        thread = make_thread(anna, group["channel_id"], title="Tiny houses")
        reply(run, bert, thread["id"], "@anna weet jij hoe Delft dit deed?")
        with smtp_server() as (sink, port):
            worker = worker_for(db, settings, port)
            assert asyncio.run(worker.run_due()) == 1
            assert asyncio.run(worker.run_due()) == 0
        [message] = sink.messages
        assert message["To"] == "anna@example.nl"
        assert message["Subject"] == "Bert Jansen noemde je in “Tiny houses”"
        assert message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"] and message["Auto-Submitted"] == "auto-generated"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f"http://testserver/threads/{thread['id']}#post-" in text and "weet jij hoe Delft" in text
        assert "Je krijgt deze mail omdat je op Plein werd genoemd" in text
        assert "Tiny houses" in html and 'href="http://testserver/unsubscribe/' in html

    def test_html_part_escapes_what_members_wrote(self, db, settings, run, people, make_group, make_thread) -> None:
        anna, bert = people
        group = make_group("Wonen", members=(anna, bert))
        thread = make_thread(anna, group["channel_id"], title="<script>alert(1)</script> plannen")
        reply(run, bert, thread["id"], "@anna <img src=x onerror=alert(2)>")
        with smtp_server() as (sink, port):
            asyncio.run(worker_for(db, settings, port).run_due())
        html = sink.messages[0].get_body(preferencelist=("html",)).get_content()
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; plannen" in html

    def test_nothing_about_a_thread_she_can_no_longer_read(self, db, settings, run, people, make_group,
                                                           make_thread, manager) -> None:
        anna, bert = people
        group = make_group("Fractie", visibility="closed", members=(anna, bert))
        thread = make_thread(bert, group["channel_id"], title="Vertrouwelijk")
        reply(run, bert, thread["id"], "@anna kijk even mee")
        run(groups.remove_member, manager, group_id=group["id"], user_id=anna.id)  # before the worker ran
        with smtp_server() as (sink, port):
            asyncio.run(worker_for(db, settings, port).run_due())
        assert sink.messages == []
        with db.sessionmaker() as s:
            job = s.scalar(select(Job).where(Job.kind == Mail.job_kind).order_by(Job.id.desc()))
            assert job is not None and job.done_at is not None and "no longer read" in (job.last_error or "")


class TestDigest:
    def test_exactly_the_unseen_items_of_her_groups(self, run, session, mails, people, make_user, make_group,
                                                     make_thread, manager) -> None:
        anna, bert = people
        carla = make_user(username="carla")
        since = utcnow() - timedelta(seconds=1)
        theme = make_group("Duurzaamheid", members=(anna, bert, carla))
        faction = make_group("Fractie Delft", kind="faction", visibility="closed", members=(anna, bert))
        secret = make_group("Geheim", visibility="secret", members=(bert, carla))
        other = make_group("Open maar niet de hare", members=(bert,))
        make_thread(bert, theme["channel_id"], title="Warmtenet in de wijk")
        hers = make_thread(anna, faction["channel_id"], title="Haar eigen onderwerp")
        reply(run, bert, hers["id"], "Goed plan")
        reply(run, bert, hers["id"], "Nog een gedachte")
        read = make_thread(carla, theme["channel_id"], title="Al gelezen onderwerp")
        run(notifications.mark_thread_read, anna, thread_id=read["id"], post_id=read["opening_post_id"])
        make_thread(carla, secret["channel_id"], title="Geheime plannen")
        make_thread(bert, other["channel_id"], title="Elders besproken")
        make_thread(anna, theme["channel_id"], title="Door haarzelf geschreven")
        muted = make_group("Stil gezet", members=(anna, bert))
        run(notifications.set_group_level, anna, group_id=muted["id"], level=NotificationLevel.muted)
        make_thread(bert, muted["channel_id"], title="Uit een stille groep")

        user = session.get(User, anna.id)
        user.digest_until = since
        session.commit()
        assert run(digests.send_digest, anna, frequency=DigestFrequency.daily, slot="2026-11-25", now=utcnow())
        [mail] = [m for m in mails if m.kind.startswith("digest")]  # (Bert's replies to her were mailed too)
        assert (mail.to, mail.kind, mail.unsubscribe) == ("anna@example.nl", "digest.daily", "digest")
        assert mail.subject == "Plein vandaag: wat je nog niet hebt gelezen"
        for shown in ("Duurzaamheid", "Warmtenet in de wijk", "Fractie Delft", "Haar eigen onderwerp",
                      "2 nieuwe reacties", "/unsubscribe/"):
            assert shown in mail.text, shown
        for hidden in ("Geheim", "Elders besproken", "Al gelezen onderwerp", "Door haarzelf geschreven",
                       "Stil gezet", "Uit een stille groep"):
            assert hidden not in mail.text and hidden not in (mail.html or ""), hidden
        assert mail.text.index("Duurzaamheid") < mail.text.index("Fractie Delft")  # groups by name
        assert "Warmtenet in de wijk" in (mail.html or "")
        # The same slot again (a repeated run) sends nothing; nor does a later slot with nothing new.
        assert not run(digests.send_digest, anna, frequency=DigestFrequency.daily, slot="2026-11-25", now=utcnow())
        assert not run(digests.send_digest, anna, frequency=DigestFrequency.daily, slot="2026-11-26", now=utcnow())
        assert len([m for m in mails if m.kind.startswith("digest")]) == 1

    def test_in_her_language_and_only_for_who_chose_it(self, db, run, session, mails, people, make_group,
                                                        make_thread) -> None:
        anna, bert = people
        group = make_group("Zorg", members=(anna, bert))
        for user, language, digest in ((anna, "en", "weekly"), (bert, "nl", "off")):
            row = session.get(User, user.id)
            row.language, row.digest, row.digest_until = language, digest, utcnow() - timedelta(seconds=1)
        session.commit()
        make_thread(bert, group["channel_id"], title="Wachtlijsten")
        make_thread(anna, group["channel_id"], title="Mantelzorg")
        assert digests.run_digests(db, frequency=DigestFrequency.weekly, slot="2026-11-30") == 2  # + the manager
        [mail] = [m for m in mails if m.to in (anna.email, bert.email)]
        assert mail.to == "anna@example.nl" and mail.subject == "Plein this week: what you have not read yet"
        assert "Wachtlijsten" in mail.text and "Mantelzorg" not in mail.text

    def test_runs_are_scheduled_once_at_seven_amsterdam_time(self, session) -> None:
        from datetime import UTC, datetime

        now = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # Wednesday 00:00 in Amsterdam (CET)
        slots = dict(digests.next_slots(now))
        assert slots[DigestFrequency.daily] == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
        assert slots[DigestFrequency.weekly] == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday
        before = session.scalar(select(Job.id).order_by(Job.id.desc())) or 0
        for _ in range(2):
            digests.schedule_digests(session, now=now)
        session.commit()
        queued = session.scalars(select(Job).where(Job.id > before)).all()
        assert sorted((j.kind, j.payload["frequency"], j.payload["slot"]) for j in queued) == [
            ("digest", "daily", "2026-11-25"), ("digest", "weekly", "2026-11-30")]


class TestUnsubscribe:
    def test_one_click_without_login(self, anon, run, session, mails, people, make_group, make_thread) -> None:
        anna, bert = people
        group = make_group("Wonen", members=(anna, bert))
        thread = make_thread(anna, group["channel_id"])
        reply(run, bert, thread["id"], "@anna kijk even")
        [mail] = mails
        from app.config import get_settings

        url = build_message(mail, get_settings())["List-Unsubscribe"].strip("<>")
        path = url.removeprefix("http://testserver")

        page = anon.get(path)  # opening the link (or a mail scanner following it) changes nothing
        assert page.status_code == 200 and "<form method=\"post\">" in page.text
        assert "anna@example.nl" in page.text
        session.expire_all()
        assert session.get(User, anna.id).email_mentions is True

        done = anon.post(path, content="List-Unsubscribe=One-Click",
                         headers={"content-type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and "afgemeld" in done.text
        session.expire_all()
        user = session.get(User, anna.id)
        assert user.email_mentions is False and user.email_replies is True and user.digest == "weekly"
        assert anon.post(path).status_code == 200  # twice is fine

        reply(run, bert, thread["id"], "@anna nog een keer")
        assert len(mails) == 1  # no more mention mails for her

    def test_a_tampered_link_is_refused(self, anon, session, people) -> None:
        from app.services.mail import unsubscribe_token

        anna, bert = people
        token = unsubscribe_token(anna.id, "digest")
        forged = unsubscribe_token(bert.id, "digest")  # a real token for someone else…
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        other_user = forged.split(".")[0] + "." + token.split(".")[1]  # …spliced with anna's signature
        for bad in (tampered, other_user, "nonsense", ""):
            response = anon.post(f"/unsubscribe/{bad}")
            assert response.status_code == 404, bad
        session.expire_all()
        assert session.get(User, anna.id).digest == "weekly" and session.get(User, bert.id).digest == "weekly"


# --- the outbox across crashes and outages (real processes, a committed database) -------------------


def _arrange_mentions(database_url: str, count: int) -> None:
    """Anna's thread in a group with Bert; Bert mentions her `count` times: that many mails in the outbox."""
    engine = make_engine(database_url)
    db = Database(engine)
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        hashed = hash_password(PASSWORD)
        anna = User(email="anna@example.org", username="anna", display_name="Anna", password_hash=hashed)
        bert = User(email="bert@example.org", username="bert", display_name="Bert", password_hash=hashed)
        boss = User(email="beheer@example.org", username="beheer", display_name="Beheer", role="admin")
        s.add_all([anna, bert, boss])
        s.flush()
        group = groups.create_group(s, boss, data=GroupCreate(name="Wonen", kind="other"))
        for user in (anna, bert):
            groups.join_group(s, user, group_id=group.id)
        channel = groups.list_channels(s, boss, group_id=group.id)[0]
        thread = posts.create_thread(s, anna, channel_id=channel.id, data=ThreadCreate(title="Huren", body="Vraag"))
    for i in range(count):
        with unit_of_work(db, NO_LIVE_CLIENTS) as s:
            posts.create_reply(s, s.get(User, bert.id), thread_id=thread.id,
                               data=ReplyCreate(body=f"@anna punt {i}", quote_post_id=None))
            # A new line each time: she read the earlier ones.
            notifications.mark_all_read(s, s.get(User, anna.id))
    engine.dispose()


def _jobs(database_url: str) -> list[Job]:
    engine = make_engine(database_url)
    with Database(engine).sessionmaker() as s:
        found = list(s.scalars(select(Job).where(Job.kind == Mail.job_kind).order_by(Job.id)))
    engine.dispose()
    return found


class TestOutbox:
    def test_a_killed_worker_loses_and_duplicates_nothing(self, tmp_path) -> None:
        with committed_database(tmp_path, "plein_outbox") as url, smtp_server() as (sink, port):
            _arrange_mentions(url, 3)
            assert len(_jobs(url)) == 3
            env = site_env(tmp_path, url, smtp_url=f"smtp://127.0.0.1:{port}", job_lease_seconds=2,
                           worker_poll_seconds=0.1)
            sink.hold()  # the first mail's DATA hangs: the worker is killed mid-send
            with plein(["worker"], env, tmp_path / "worker-1.log") as first:
                wait_for(lambda: sink.held, timeout=30, what="the worker to start sending")
                first.kill()
            sink.release()
            assert sink.messages == []
            with plein(["worker"], env, tmp_path / "worker-2.log") as second:
                wait_for(lambda: len(sink.messages) >= 3, timeout=30, what="three mails")
                wait_for(lambda: all(j.done_at for j in _jobs(url)), timeout=10, what="the jobs to be done")
                assert second.alive(), second.output()
            ids = [m["Message-ID"] for m in sink.messages]
            assert len(ids) == 3 and len(set(ids)) == 3
            assert sorted(m["To"] for m in sink.messages) == ["anna@example.org"] * 3
            retried = [j for j in _jobs(url) if j.attempts == 2]
            assert len(retried) == 1  # the one the killed worker held

    def test_smtp_down_the_app_serves_and_the_mail_goes_out_later(self, tmp_path) -> None:
        smtp_port, web_port = free_port(), free_port()
        with committed_database(tmp_path, "plein_smtpdown") as url:
            _arrange_mentions(url, 0)
            # The embedded run: the worker inside the web process, SMTP not answering.
            env = site_env(tmp_path, url, smtp_url=f"smtp://127.0.0.1:{smtp_port}", run_worker="true",
                           worker_poll_seconds=0.1, job_retry_base_seconds=0.2, job_retry_max_seconds=0.5,
                           smtp_timeout=2, base_url=f"http://127.0.0.1:{web_port}")
            with serving(env, tmp_path / "server.log", port=web_port) as server:
                base = f"http://127.0.0.1:{web_port}/api/v1"
                with httpx.Client(base_url=base, timeout=5) as bert:
                    login = bert.post("/auth/login", json={"email": "bert@example.org", "password": PASSWORD})
                    assert login.status_code == 200, login.text
                    bert.headers["X-CSRF-Token"] = login.json()["csrf_token"]
                    thread_id = _thread_id(url)
                    posted = bert.post(f"/threads/{thread_id}/replies", json={"body": "@anna de cijfers?"})
                    assert posted.status_code == 201, posted.text
                    wait_for(lambda: (_jobs(url)[0].attempts or 0) >= 3, timeout=20, what="three failed attempts")
                    job = _jobs(url)[0]
                    assert job.done_at is None and job.failed_at is None and job.last_error
                    assert bert.get(f"/threads/{thread_id}").status_code == 200  # the app keeps serving
                with smtp_server(smtp_port) as (sink, _):
                    wait_for(lambda: len(sink.messages) == 1, timeout=20, what="the mail after SMTP came back")
                    wait_for(lambda: _jobs(url)[0].done_at is not None, timeout=10, what="the job to be done")
                assert len(sink.messages) == 1 and sink.messages[0]["To"] == "anna@example.org"
                assert server.alive(), server.output()


def _thread_id(database_url: str) -> int:
    from app.models import Thread

    engine = make_engine(database_url)
    with Database(engine).sessionmaker() as s:
        found = s.scalar(select(Thread.id))
    engine.dispose()
    assert found is not None
    return found


class TestNoSecretsLeftBehind:
    """What reaches the SMTP server byte for byte, and what a dump of the database or the log still holds."""

    LONG_BASE = "https://" + "plein.afdeling-noord-holland." * 5 + "example.org/" + "intranet/leden/" * 6

    @pytest.mark.parametrize("base_url", ["http://testserver", LONG_BASE.rstrip("/")])
    def test_list_unsubscribe_is_plain_unfolded_header_text(self, settings, base_url) -> None:
        from app.config import use_settings
        from app.services.mail import unsubscribe_url

        use_settings(settings.model_copy(update={"base_url": base_url}))
        try:
            mail = Mail(to="anna@example.nl", subject="Bert antwoordde op “Tiny houses” — één reactie", text="Hoi",
                        kind="reply", user_id=123456, unsubscribe="replies")
            url = unsubscribe_url(123456, "replies")
            with smtp_server() as (sink, port):
                asyncio.run(SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=5).send(
                    build_message(mail, get_settings())))
        finally:
            use_settings(settings)
        [raw] = sink.raw
        header_lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert len(url) > 78 or base_url == "http://testserver"
        assert f"List-Unsubscribe: <{url}>".encode() in header_lines
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in header_lines
        assert not any(line.startswith((b" ", b"\t")) and b"unsubscribe" in line.lower() for line in header_lines)
        assert b"=?utf-8?" not in b"\n".join(line for line in header_lines if line.startswith(b"List-"))
        # The rest of the message is still well formed: the subject decodes to what was written.
        assert sink.messages[0]["Subject"] == mail.subject

    def test_sent_invite_and_reset_links_leave_no_live_token_in_the_database(self, db, settings, run, session,
                                                                             admin, make_user) -> None:
        from sqlalchemy import String, Text, inspect, text

        from app.db import Base
        from app.models.enums import SiteRole
        from app.services import accounts

        _, invite_url = run(accounts.create_invite, admin, email="nieuw@partij.nl", role=SiteRole.member)
        member = make_user(email="vergeten@partij.nl")
        run(accounts.request_password_reset, email=member.email)
        with smtp_server() as (sink, port):
            assert asyncio.run(worker_for(db, settings, port).run_due()) == 2
        texts = [m.get_body(preferencelist=("plain",)).get_content() for m in sink.messages]
        invite_token = invite_url.rsplit("/", 1)[1]
        assert any(invite_token in body for body in texts)  # the member got her link
        [reset_token] = {match for body in texts for match in re.findall(r"/password-reset/([\w-]+)", body)}
        assert len(reset_token) >= 20
        session.expire_all()
        inspector = inspect(session.connection())
        for table in Base.metadata.sorted_tables:
            columns = [c.name for c in table.columns if isinstance(c.type, String | Text) or "JSON" in
                       type(c.type).__name__.upper()]
            if not columns or not inspector.has_table(table.name):
                continue
            for row in session.execute(text(f"SELECT {', '.join(columns)} FROM {table.name}")):  # noqa: S608
                dumped = " ".join(str(value) for value in row)
                assert invite_token not in dumped, table.name
                assert reset_token not in dumped, table.name

    def test_production_mail_to_the_log_never_writes_a_token(self, caplog) -> None:
        from app.config import Settings
        from app.mailer import LogTransport, make_transport

        production = Settings(environment="production", secret_key="k9-Qz3vLx7_Tm2pR8sWn4yHb6cJd1fGe0aUo5iKt",
                              mail_to_log=True)
        transport = make_transport(production)
        assert isinstance(transport, LogTransport)
        token = "Zq8xW3vN1kLmP0oRtY7uIaSdFgHjKlZx"
        mail = Mail(to="nieuw@partij.nl", subject="Welkom", kind="invite",
                    text=f"Maak je account: https://plein.example/invite/{token}\nTot snel.")
        with caplog.at_level("INFO", logger="plein.mail"):
            asyncio.run(transport.send(build_message(mail, production)))
        assert "https://plein.example/invite/" in caplog.text and "Tot snel." in caplog.text
        assert token not in caplog.text
