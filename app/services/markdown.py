"""Markdown → safe HTML: markdown-it-py renders (raw HTML off), nh3 sanitises what comes out."""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MENTION = re.compile(r"(?<![\w@/.])@([a-z0-9][a-z0-9_.-]{1,38}[a-z0-9_])", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "span": {"class", "data-user"},
    "code": {"class"},
}


def find_mentions(text: str) -> set[str]:
    """Usernames mentioned in `text`, outside code (lower-cased)."""
    without_code = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.DOTALL)
    return {m.group(1).lower() for m in MENTION.finditer(without_code)}


def _mentions_rule(state: StateCore) -> None:
    """Wrap @name in text tokens in a span the frontend can link; code spans are separate tokens."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "text" or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION.finditer(token.content):
                if match.start() > position:
                    children.append(_text(token.content[position:match.start()]))
                opening = Token("html_inline", "", 0)
                opening.content = f'<span class="mention" data-user="{match.group(1).lower()}">'
                children.append(opening)
                children.append(_text(match.group(0)))
                closing = Token("html_inline", "", 0)
                closing.content = "</span>"
                children.append(closing)
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])
_md.core.ruler.push("plein_mentions", _mentions_rule)


def render_markdown(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


def excerpt(text: str, length: int = 200) -> str:
    plain = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url) → text
    plain = re.sub(r"[`*_~]+", "", plain)  # emphasis and code marks hug their words: drop them
    plain = re.sub(r"^\s*(?:[>#]+|[-+*]|\d+[.)])\s+|\|", " ", plain, flags=re.MULTILINE)  # block marks
    plain = " ".join(plain.split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"
