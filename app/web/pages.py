"""Server-rendered pages. The full frontend grows here; for now: home, API docs, invite and reset pages."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.config import ROOT

FRONTEND = ROOT / "frontend"
SWAGGER = "/static/vendor/swagger-ui-5.35.0"
templates = Jinja2Templates(directory=str(FRONTEND / "templates"))


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(FRONTEND / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "home.html", {})

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "api_docs.html", {"swagger": SWAGGER})

    @app.get("/invite/{token}", response_class=HTMLResponse, include_in_schema=False)
    def invite_page(request: Request, token: str) -> HTMLResponse:
        return templates.TemplateResponse(request, "invite.html", {"token": token})

    @app.get("/password-reset/{token}", response_class=HTMLResponse, include_in_schema=False)
    def reset_page(request: Request, token: str) -> HTMLResponse:
        return templates.TemplateResponse(request, "password_reset.html", {"token": token})


