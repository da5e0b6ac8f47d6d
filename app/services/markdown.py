"""Markdown → safe HTML, in time linear in the text: comrak (Rust, CommonMark + GFM tables and strikethrough)
renders with raw HTML escaped, @mentions are linked where comrak put them in text, absurd nesting is refused,
and nh3 sanitises what comes out.

Every text derived from markdown (excerpts, search text, mails, motion cards) comes from the same rendering —
never from regular expressions over the markdown, which backtrack quadratically on unclosed brackets or fences.
bench/markdown_worst.py keeps the worst inputs found, with their figures in docs/performance.md.
"""
from __future__ import annotations

import html
import re
from array import array
from functools import lru_cache
from itertools import accumulate

import comrak
import nh3

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

_EXTENSIONS = comrak.ExtensionOptions()
_EXTENSIONS.table = True
_EXTENSIONS.strikethrough = True
_PARSE = comrak.ParseOptions()
_RENDER = comrak.RenderOptions()
_RENDER.escape = True  # raw HTML is shown as the text that was typed, never passed on (nor silently dropped)

# Deeper than this is not a post but an attack (thousands of ">" or "*" nest as deep as they are long), which the
# sanitiser's HTML parser — and a phone's browser — would handle in quadratic time: such a text is shown as the
# plain text it is, escaped, in paragraphs.
MAX_DEPTH = 32
_NESTING = ("<blockquote", "<ul", "<ol", "<li", "<em", "<strong", "<del", "<a ", "<h", "<span")
_OPEN = re.compile(r"<[a-z][^>]*(?<!/)>")  # comrak writes void elements as <br />, <img … />
_CLOSE = re.compile(r"</[^>]*>")
_DEEP_RUNS = tuple(opening * (MAX_DEPTH + 1) for opening in ("<blockquote>\n", "<strong>", "<em>", "<del>"))
_NOT_A_STEP = re.compile(r"[^\x01\x02]+")
_DEPTH_STEPS = str.maketrans({"\x01": "\x01", "\x02": "\xff"})

# A mention is marked in the markdown before it is rendered (a private-use character for its "@"), so that
# comrak itself decides where it stands: text, code, a link, an attribute. All of it in C: no pass in Python
# over the document, whose cost would grow with the number of its elements.
_MARK = "\ue000"
_MARKED = re.compile(_MARK + r"([a-z0-9][a-z0-9_.-]{1,38}[a-z0-9_])", re.IGNORECASE)
_MARK_IN_URL = "%EE%80%80"  # the mark, percent-encoded in a link's or picture's address
# Where a mark is not a mention: a code block or span, a link's text — and an attribute value (an address, a
# title, alt text), which only a tag can hold: comrak writes '"' in text as &quot;, so '="' starts one.
_NO_MENTIONS = re.compile(r"<(pre|code|a)\b[^>]*>.*?</\1>", re.DOTALL)
_MARKED_ATTRIBUTE = re.compile('="[^"]*(?:' + _MARK + "|" + _MARK_IN_URL + ')[^"]*"')
_REFUSED_LINK = re.compile(r'<a href=""[^>]*>(.*?)</a>', re.DOTALL)  # comrak empties javascript:, data:… URLs
_REFUSED_IMAGE = re.compile(r'<img src=""[^>]*/>')
_MENTION_SPAN = re.compile(r'<span class="mention" data-user="([a-z0-9_.-]+)">')


def _comrak(text: str) -> str:
    return comrak.render_markdown(text, extension_options=_EXTENSIONS, parse_options=_PARSE,
                                  render_options=_RENDER)


def _deepest(rendered: str) -> int:
    """How deep the elements nest: every opening tag a step in, every closing tag a step out, summed in C."""
    if sum(rendered.count(tag) for tag in _NESTING) <= MAX_DEPTH - 8:
        return 0  # too few elements that can nest in each other (tables and code cannot) to nest that deep
    if any(run in rendered for run in _DEEP_RUNS):
        return MAX_DEPTH + 1  # the usual attack, a run of ">" or "*", found by a substring search
    steps = _NOT_A_STEP.sub("", _CLOSE.sub("\x02", _OPEN.sub("\x01", rendered)))
    return max(accumulate(array("b", steps.translate(_DEPTH_STEPS).encode("latin-1"))), default=0)


def _flat(text: str) -> str:
    paragraphs = (html.escape(p.strip()).replace("\n", "<br>") for p in text.split("\n\n") if p.strip())
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)


def _unmark(match: re.Match[str]) -> str:
    return match.group(0).replace(_MARK, "@").replace(_MARK_IN_URL, "@")


def _mention(match: re.Match[str]) -> str:
    name = match.group(1)
    return f'<span class="mention" data-user="{name.lower()}">@{name}</span>'


def render_markdown(text: str) -> str:
    marked = MENTION.sub(_MARK + r"\1", text.replace(_MARK, "\ufffd")) if "@" in text else text
    rendered = _comrak(marked)
    if _deepest(rendered) > MAX_DEPTH:
        rendered = _flat(text)
    elif _MARK in rendered or _MARK_IN_URL in rendered:
        # Back to "@" where no mention belongs (code, links, attributes); a mention span everywhere else.
        rendered = _MARKED_ATTRIBUTE.sub(_unmark, rendered)
        rendered = _NO_MENTIONS.sub(_unmark, rendered)
        rendered = _MARKED.sub(_mention, rendered).replace(_MARK, "@").replace(_MARK_IN_URL, "@")
    if 'href=""' in rendered:
        rendered = _REFUSED_LINK.sub(r"\1", rendered)
    if 'src=""' in rendered:
        rendered = _REFUSED_IMAGE.sub("", rendered)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


def mentions_in(body_html: str) -> set[str]:
    """Usernames a rendered post mentions (outside code): its mention spans, which typed text cannot forge."""
    return set(_MENTION_SPAN.findall(body_html))


def find_mentions(text: str) -> set[str]:
    """Usernames mentioned in markdown `text`, outside code (lower-cased)."""
    return mentions_in(render_markdown(text))


_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|blockquote|pre|table|thead|tbody|tr|td|th|hr|br)\b[^>]*>")
_IMAGE = re.compile(r'<img [^>]*?alt="([^"]*)"[^>]*>')
_ANY_TAG = re.compile(r"<[^>]*>")


def plain_text(markdown: str) -> str:
    """The words of a markdown text as a reader sees them, without its marks: links and pictures by their text,
    code as written, one space between blocks."""
    rendered = _comrak(markdown)
    text = _ANY_TAG.sub("", _IMAGE.sub(r" \1 ", _BLOCK_TAG.sub(" ", rendered)))
    # comrak writes every other character as itself: these four are all the entities there are to undo.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return " ".join(text.split())


def excerpt(text: str, length: int = 200) -> str:
    # An excerpt needs only the start: rendering a bounded prefix keeps every list that shows one fast, however
    # long (or strange) the posts in it are; and the excerpts of what lists show again are remembered.
    return _excerpt(text[: 3 * length + 200], length)


@lru_cache(maxsize=4096)  # at most 4096 prefixes of at most 2,000 characters: a few MB
def _excerpt(start: str, length: int) -> str:
    plain = plain_text(start)
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"
