"""The application factory and its lifespan."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from app.api import (
    admin,
    articles,
    auth,
    community,
    groups,
    health,
    moderation,
    motions,
    notifications,
    search,
    threads,
    users,
)
from app.api.errors import install as install_error_handlers
from app.api.limits import BodySizeLimit, RefuseBadText
from app.config import Settings, get_settings, use_settings
from app.db import Database, check_connection, make_engine
from app.effects import Dispatcher
from app.mailer import make_transport
from app.ratelimit import Limiter, rules_from
from app.realtime import ws
from app.realtime.bus import make_bus
from app.realtime.hub import Hub, close_sockets_before_exit
from app.web import pages
from app.web.security import SameOrigin, SecurityHeaders
from app.worker import Worker

log = logging.getLogger("plein")


class StartupError(RuntimeError):
    """A setting that cannot work, said plainly (never with a password in it)."""


def connect_database(settings: Settings) -> Database:
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(f"Cannot connect to DATABASE_URL {settings.database_url_safe}: {reason}") from None
    return Database(engine)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    # One source: the services read get_settings(), which is now this object.
    settings = use_settings(settings) if settings is not None else get_settings()
    settings.check_production()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.hub.started:
            # A second lifespan of the same app object (several test clients): the first one runs the hub.
            yield
            return
        await app.state.hub.start()
        close_sockets_before_exit(app.state.hub)
        stop_worker = asyncio.Event()
        worker_task = None
        if settings.run_worker:
            worker = Worker(app.state.db, settings, make_transport(settings), dispatcher=app.state.dispatcher)
            worker_task = asyncio.create_task(worker.run(stop_worker), name="plein-worker")
        try:
            yield
        finally:
            stop_worker.set()
            if worker_task is not None:
                await worker_task
            await app.state.hub.stop()
            if database is None:
                app.state.db.engine.dispose()

    app = FastAPI(
        title="Plein", version="0.1.0", lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
        description="Het sociale intranet van de partij: groepen, kanalen, moties en vragen.",
    )
    app.state.settings = settings
    app.state.db = database or connect_database(settings)
    app.state.bus = make_bus(settings.redis_url, prefix=settings.redis_prefix, replay_max=settings.event_replay_max)
    app.state.hub = Hub(app.state.bus, queue_size=settings.ws_send_queue, max_topics=settings.ws_max_topics)
    app.state.dispatcher = Dispatcher(app.state.bus)
    app.state.limiter = Limiter(settings.redis_url or "memory://", key_prefix=f"{settings.redis_prefix}:limits",
                                rules=rules_from(settings))
    app.state.limiter = app.state.limiter  # its earlier name
    install_error_handlers(app, (pages.wants_page, pages.error_page))
    for module in (health, auth, admin, users, groups, threads, notifications, moderation, community, articles,
                   search, motions, ws):
        app.include_router(module.router)
    app.include_router(articles.feed_router)
    pages.install(app)
    upload_limit = settings.attachment_max_bytes + 64 * 1024
    app.add_middleware(RefuseBadText)  # inside the size limit: the JSON body it reads whole is a bounded one
    app.add_middleware(BodySizeLimit, default=settings.max_request_bytes, overrides={
        "/api/v1/attachments": upload_limit, "/api/v1/me/avatar": settings.avatar_max_bytes + 64 * 1024,
        re.compile(r"/api/v1/articles/\d+/cover"): settings.cover_max_bytes + 64 * 1024,
    })
    app.add_middleware(SameOrigin, base_url=settings.base_url)  # writes from another site: 403 bad_origin
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    # Pages, JSON and scripts compressed for phones on a slow line (a page is a fifth of its size); what is
    # compressed already (pictures, PDFs, uploads) is not. Level 6: most of level 9's gain at a third of its CPU.
    # No page carries a secret a reflected query could be compared against (the CSRF token is in a cookie).
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6, exclude_content_types=(
        *DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf", "application/octet-stream"))
    return app
