"""`plein`: the operator's command line (serve, worker, migrate, create-admin, invite, demo-data, run-demo)."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import select

from app.config import VAR, Settings, get_settings, use_settings

if TYPE_CHECKING:
    from app.db import Database

GRACEFUL_TIMEOUT = 5.0


def _settings_or_exit() -> Settings:
    """The settings, or a one-line message and exit 2 — in this (parent) process, before any worker starts, so a
    bad production setting never becomes a crash loop of workers under a parent that looks alive."""
    try:
        settings = get_settings()
        settings.check_production()
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "setting"
            print(f"plein: bad setting {name}: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        sys.exit(2)
    except ValueError as exc:
        print(f"plein: {exc}", file=sys.stderr)
        sys.exit(2)
    return settings


def _database() -> Database:
    from app.main import StartupError, connect_database

    settings = _settings_or_exit()
    if settings.database_url.startswith("sqlite"):
        VAR.mkdir(parents=True, exist_ok=True)
    try:
        return connect_database(settings)
    except StartupError as exc:
        print(f"plein: {exc}", file=sys.stderr)
        sys.exit(2)


def _migrate(db: Database) -> None:
    """Upgrade the schema; a search index that is still empty (the upgrade that added it) is filled.

    A SQLite database with revisions to run is copied first, into `backups/` beside it."""
    from app import migrate
    from app.db import unit_of_work
    from app.services import search

    path = migrate.sqlite_path(db.engine)
    try:
        report = migrate.upgrade(db.engine, backup_dir=path.parent / "backups" if path else None)
    except migrate.MigrationError as exc:
        print(f"plein: migrate: {exc}", file=sys.stderr)
        sys.exit(2)
    if report.backup is not None:
        print(f"backup of the database before the upgrade: {report.backup}", flush=True)
    if report.before != report.after:
        print(f"schema upgraded from {report.before or 'empty'} to {report.after}", flush=True)
    with unit_of_work(db, None) as session:
        counts = search.fill_if_empty(session)
    if counts:
        print("search index filled: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), flush=True)


def cmd_migrate(_: argparse.Namespace) -> int:
    db = _database()
    _migrate(db)
    print(f"database at the newest schema ({_settings_or_exit().database_url_safe})")
    return 0


def cmd_search_rebuild(_: argparse.Namespace) -> int:
    """Empty the search index and fill it again from the database (after a restore, or to be sure)."""
    import time

    from app.db import unit_of_work
    from app.services import search

    db = _database()
    started = time.monotonic()
    with unit_of_work(db, None) as session:
        counts = search.rebuild(session, commit=session.commit)
    print("search index rebuilt in {:.1f} s: {}".format(time.monotonic() - started, ", ".join(
        f"{n} {kind}" for kind, n in counts.items())))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings_or_exit()
    _database().engine.dispose()  # fail early and clearly when the database is unreachable
    print(f"Plein serves on http://{args.host}:{args.port} (BASE_URL {settings.base_url})", flush=True)
    from app.realtime.ws import MAX_FRAME_CHARS
    from app.serving import PROTOCOL

    uvicorn.run("app.asgi:app", host=args.host, port=args.port, workers=args.workers, proxy_headers=True,
                http=PROTOCOL,  # request headers bounded in size and count (431): app/serving.py
                forwarded_allow_ips=args.forwarded_allow_ips, log_level="info",
                # Without a limit, one client that stopped reading keeps the process from ever exiting on SIGTERM:
                # uvicorn waits for every connection to flush, and that one never does.
                timeout_graceful_shutdown=args.graceful_timeout,
                # Heartbeats find dead peers; frames beyond our limit are refused by the protocol layer.
                ws_ping_interval=settings.ws_ping_interval, ws_ping_timeout=settings.ws_ping_timeout,
                ws_max_size=MAX_FRAME_CHARS * 4)
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    """The job runner on its own: sends the mail outbox, runs digests. Stops cleanly on SIGTERM / Ctrl-C."""
    import asyncio
    import signal

    from app.effects import Dispatcher
    from app.mailer import make_transport
    from app.realtime.bus import make_bus
    from app.worker import Worker

    settings = _settings_or_exit()
    db = _database()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        # Jobs may publish live events (scheduled publishing); they reach the web workers through Redis.
        # Publishing needs no reader, so the bus is not started here.
        bus = make_bus(settings.redis_url, prefix=settings.redis_prefix, replay_max=settings.event_replay_max)
        await Worker(db, settings, make_transport(settings), dispatcher=Dispatcher(bus)).run(stop)

    transport = "SMTP " + settings.smtp_url.split("@")[-1] if settings.smtp_url else "the log (no SMTP_URL)"
    print(f"Plein worker: jobs from {settings.database_url_safe}, mail to {transport}", flush=True)
    asyncio.run(main())
    db.engine.dispose()
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from app.db import unit_of_work
    from app.models import User
    from app.models.enums import SiteRole
    from app.schemas.users import AdminCreate
    from app.security import hash_password
    from app.services import accounts, search

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Wachtwoord: ")
    try:
        data = AdminCreate(email=args.email, username=args.username, display_name=args.name, password=password)
    except ValidationError as exc:
        options = {"email": "--email", "username": "--username", "display_name": "--name", "password": "password"}
        for error in exc.errors():
            option = options.get(str(error["loc"][0]), str(error["loc"][0])) if error["loc"] else "input"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "string_too_short" and option == "password":
                message = "the password needs at least 10 characters"
            print(f"plein: bad {option}: {message}", file=sys.stderr)
        return 2
    db = _database()
    email = accounts.normalise_email(data.email)
    try:
        with unit_of_work(db, None) as session:
            user = session.scalar(select(User).where(User.email == email))
            if user is not None and not args.reset:
                print(f"plein: someone already has the e-mail address {email}; add --reset to make that account "
                      "an admin with this password", file=sys.stderr)
                return 2
            if user is None:
                user = User(email=email, username=data.username, display_name=data.display_name)
                session.add(user)
            user.role = SiteRole.admin
            user.is_active = True
            user.password_hash = hash_password(data.password)
            session.flush()
            search.index_member(session, user)
    except IntegrityError:
        # The e-mail address is reused (reset) above, so the conflict is the username of someone else.
        print(f"plein: the username {data.username} is taken; choose another with --username", file=sys.stderr)
        return 2
    print(f"admin {email} is ready")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.models import User
    from app.models.enums import SiteRole
    from app.services import accounts

    db = _database()
    with unit_of_work(db, None) as session:
        admin = session.scalar(select(User).where(User.role == SiteRole.admin, User.is_active.is_(True)))
        if admin is None:
            print("plein: create an admin first (plein create-admin)", file=sys.stderr)
            return 2
        _, url = accounts.create_invite(session, admin, email=args.email, role=SiteRole(args.role))
    print(url)
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from app import demo

    if _settings_or_exit().environment == "production" and not args.force:
        print("plein: ENVIRONMENT is production: demo data (fictional members, a known password) is not loaded "
              "into it unless you add --force", file=sys.stderr)
        return 2
    db = _database()
    _migrate(db)
    created = demo.load(db, force=args.force)
    print("demo data loaded" if created else "the database already has data; nothing loaded (use --force)")
    return 0


def _browser_host(host: str) -> str:
    """The address a browser on this machine uses for a listening address (0.0.0.0 is not one to open)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def cmd_run_demo(args: argparse.Namespace) -> int:
    """The embedded run: migrate SQLite under ./var, load demo data once, serve, print the logins."""
    from app import demo

    if "BASE_URL" not in os.environ:
        # Links in mails (invites, resets) point at the port this serves on, unless the operator said otherwise.
        os.environ["BASE_URL"] = f"http://{_browser_host(args.host)}:{args.port}"
        use_settings(None)
    if _settings_or_exit().environment == "production":
        print("plein: run-demo loads demo data and is not for production; use `plein serve`", file=sys.stderr)
        return 2
    db = _database()
    _migrate(db)
    demo.load(db, force=False)
    db.engine.dispose()
    print(f"\nDemo logins (wachtwoord voor allen: {demo.DEMO_PASSWORD})")
    for role, email in demo.DEMO_LOGINS:
        print(f"  {role:<20} {email}")
    print(f"\nOpen http://{args.host}:{args.port}/  (API: http://{args.host}:{args.port}/api/docs)\n", flush=True)
    args.workers = 1
    args.forwarded_allow_ips = "127.0.0.1"
    # One process does everything here: the job runner (mail, digests) runs inside the web server.
    os.environ["RUN_WORKER"] = "true"
    use_settings(None)
    args.graceful_timeout = GRACEFUL_TIMEOUT
    return cmd_serve(args)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="plein", description="Plein operator commands")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                       help="proxies whose X-Forwarded-For is trusted (the load balancer)")
    serve.add_argument("--graceful-timeout", type=float, default=GRACEFUL_TIMEOUT,
                       help="on SIGTERM, seconds open connections get to finish before they are dropped")
    serve.set_defaults(fn=cmd_serve)

    sub.add_parser("worker", help="run the job runner (mail, digests, scheduled articles, PDF text)").set_defaults(
        fn=cmd_worker)

    sub.add_parser("migrate", help="upgrade the database schema to the newest revision").set_defaults(fn=cmd_migrate)
    sub.add_parser("search-rebuild", help="empty the search index and fill it again").set_defaults(
        fn=cmd_search_rebuild)

    admin = sub.add_parser("create-admin", help="create (or reset) an admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Beheerder")
    admin.add_argument("--username", default="beheerder")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.add_argument("--reset", action="store_true",
                       help="the account with this e-mail address exists: make it an admin with this password")
    admin.set_defaults(fn=cmd_create_admin)

    invite = sub.add_parser("invite", help="print an invite link for an email address")
    invite.add_argument("email")
    invite.add_argument("--role", default="member", choices=["member", "community_manager", "admin"])
    invite.set_defaults(fn=cmd_invite)

    demo = sub.add_parser("demo-data", help="load the demo party into an empty database")
    demo.add_argument("--force", action="store_true",
                      help="load even when there is data already, or into a production database")
    demo.set_defaults(fn=cmd_demo_data)

    run = sub.add_parser("run-demo", help="migrate, load demo data once and serve (the embedded run)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(fn=cmd_run_demo)

    args = parser.parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
