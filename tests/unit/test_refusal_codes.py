"""Every refusal carries its own stable code, and pages translate by that code, never by the English text."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.access import SiteAction, refusal_code, require
from app.access.site import REFUSALS
from app.errors import Forbidden
from app.models import User
from app.web.pages import PAGE_REASONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("action", list(SiteAction))
def test_require_refuses_with_the_actions_own_code(action: SiteAction) -> None:
    with pytest.raises(Forbidden) as refused:
        require(User(role="member", is_editor=False), action)
    assert (refused.value.status_code, refused.value.code) == (403, f"{action.value}_not_allowed")
    assert refused.value.message == REFUSALS[action]
    require(User(role="admin", is_editor=False), action)  # the staff pass every site gate


def test_the_editor_role_opens_articles_only() -> None:
    editor = User(role="member", is_editor=True)
    require(editor, SiteAction.edit_articles)
    with pytest.raises(Forbidden):
        require(editor, SiteAction.merge)


def test_every_forbidden_in_the_app_names_its_code() -> None:
    missing = []
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"raise Forbidden\(", text):
            depth, end = 1, match.end()
            while depth and end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            if "code=" not in text[match.end():end]:
                missing.append(f"{path.relative_to(ROOT)}:{text[:match.start()].count(chr(10)) + 1}")
    assert missing == []


def test_pages_translate_site_refusals_by_code_with_the_same_sentence() -> None:
    for action, message in REFUSALS.items():
        if refusal_code(action) in PAGE_REASONS:
            assert PAGE_REASONS[refusal_code(action)] == message, action
    assert all(re.fullmatch(r"[a-z_]+", code) for code in PAGE_REASONS)


def test_no_page_or_script_matches_on_an_error_message() -> None:
    offenders = []
    patterns = [re.compile(r"message\s+in\s+PAGE_REASONS"), re.compile(r"\.message\s*(===?|!==?)"),
                re.compile(r"\.message\.(includes|startsWith|match)\(")]
    files = [*(ROOT / "app" / "web").rglob("*.py"), *(ROOT / "frontend" / "static" / "js").glob("*.js")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {p.pattern}" for p in patterns if p.search(text)]
    assert offenders == []


def test_scripts_trust_the_servers_can_fields() -> None:
    """What she may do with a post is the server's can_edit / can_delete / can_flag, not a guess in the page."""
    script = (ROOT / "frontend" / "static" / "js" / "thread.js").read_text(encoding="utf-8")
    assert not re.search(r"author\S*\s*===?\s*viewerId|viewerId\s*===?\s*\S*author", script)
    for field in ("can_edit", "can_delete", "can_flag"):
        assert f"post.{field}" in script
