"""Page-only request dependencies: who looks at the page, and the signed-in member a page needs.

The dependencies shared with the API and the websocket (the unit of work, the session cookie, CSRF) are in
app/deps.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.access import SiteAction, allowed
from app.deps import Auth, OptionalAuthDep, SessionDep
from app.models import User
from app.services import moderation, notifications
from app.web.render import Viewer


class LoginRequired(Exception):
    """A page that needs a member was asked for by a visitor: send her to the login page and back."""


def page_viewer(request: Request, auth: Auth | None, session: SessionDep) -> Viewer | None:
    if auth is None:
        return None
    user = auth.user
    viewer = Viewer(id=user.id, username=user.username, display_name=user.display_name, language=user.language,
                    staff=allowed(user, SiteAction.moderate), editor=allowed(user, SiteAction.edit_articles),
                    csrf_token=auth.csrf_token or "",
                    unread=notifications.get_unread(session, user).unread,
                    queue=moderation.queue_size(session, user))
    request.state.viewer = viewer  # an error page later in this request speaks her language too
    return viewer


def _maybe_viewer(request: Request, auth: OptionalAuthDep, session: SessionDep) -> Viewer | None:
    return page_viewer(request, auth, session)


MaybeViewer = Annotated[Viewer | None, Depends(_maybe_viewer)]


@dataclass(frozen=True)
class Member:
    """The signed-in member a page is for: who asks the services (`user`) and what the layout shows (`viewer`)."""

    user: User
    viewer: Viewer
    session_id: int | None = None  # the login she looks with (None when she came with an API token)


def _member(request: Request, auth: OptionalAuthDep, session: SessionDep) -> Member:
    viewer = page_viewer(request, auth, session)
    if auth is None or viewer is None:
        raise LoginRequired()
    return Member(user=auth.user, viewer=viewer, session_id=auth.session_id)


SignedIn = Annotated[Member, Depends(_member)]
