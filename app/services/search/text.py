"""Words for the search index and for queries: accents folded, Dutch stop words dropped, Snowball-stemmed.

Each word gives two stems: the classic Snowball Dutch stemmer (`dutch_porter`, the one PostgreSQL's `dutch`
configuration uses) and the newer Snowball Dutch algorithm (`dutch`). The classic one joins "duurzaam",
"duurzame" and "duurzaamheid"; only the newer one joins "moties" and "motie". A query word matches when
either of its stems is in the document, so the search gets both.

The application writes every stem of every word (`all_terms`) for both databases, so a query, split into
words by the same rule, always finds what was written. On PostgreSQL the `plein_nl` configuration (unaccent
+ the classic stemmer) indexes the text itself as well (e-mail addresses and version numbers whole, as its
parser sees them). SQLite's FTS5 has no stemmer: it only has the application's stems. The highlighter uses
the same stems, so what is marked in a snippet is what matched.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import Stemmer
from markupsafe import Markup, escape

from app.services.text import fold

# Snowball's Dutch stop word list (the one PostgreSQL's `dutch` configuration uses).
STOP_WORDS = frozenset("""
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat
mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want
nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan hun dus alles
onder ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand
geweest andere
""".split())
_WORD = re.compile(r"[^\W_]+")
# Letters that do not decompose into a base letter and an accent (so NFKD leaves them), folded as
# PostgreSQL's unaccent folds them: "Ørsted" is found as typed, on both databases.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae", "œ": "oe",
                          "ß": "ss", "þ": "th", "ð": "d"})


def search_fold(text: str) -> str:
    return fold(text).translate(_LETTERS)
MAX_QUERY_WORDS = 8
_classic = Stemmer.Stemmer("dutch_porter")
_newer = Stemmer.Stemmer("dutch")


def words(text: str) -> list[str]:
    """Folded words of a text, stop words left out."""
    return [w for w in _WORD.findall(search_fold(text)) if w not in STOP_WORDS]


def typed_words(text: str) -> list[str]:
    """Folded words as typed, stop words kept (the word being typed may be the start of a longer one)."""
    return _WORD.findall(search_fold(text))


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """The stems of one folded word: the classic one first, then the newer one if it differs."""
    classic, newer = _classic.stemWord(word), _newer.stemWord(word)
    return (classic,) if classic == newer else (classic, newer)


def all_terms(text: str) -> str:
    """Every stem of every word, for FTS5 (which stems nothing itself)."""
    return " ".join(s for w in words(text) for s in stems(w))




def query_words(q: str) -> list[str]:
    """The words of a query (at most MAX_QUERY_WORDS), in order, without repeats."""
    seen: dict[str, None] = {}
    for w in words(q):
        seen.setdefault(w, None)
    return list(seen)[:MAX_QUERY_WORDS]


# --- snippets --------------------------------------------------------------------------------------


def _spans(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _WORD.finditer(text):
        word = match.group()
        yield match.start(), match.end(), word.lower() if word.isascii() else search_fold(word)


def snippet(text: str, query: Iterable[str], *, length: int = 220, prefix: str | None = None) -> Markup:
    """A piece of `text` around its best stretch of query words, those words in <mark>; escaped HTML."""
    wanted = {s for w in query for s in stems(w)}
    hits = [(start, end) for start, end, word in _spans(text)
            if not wanted.isdisjoint(stems(word)) or (prefix and word.startswith(prefix))]
    if not hits:
        cut = text[:length].rsplit(" ", 1)[0] if len(text) > length else text
        return Markup(escape(cut)) + (Markup("…") if len(text) > length else Markup(""))
    # The window of `length` characters that holds the most hits, starting a little before its first one: one
    # pass with two pointers (words do not overlap, so their ends rise with their starts), linear in the hits.
    best_start, best_count, last = hits[0][0], 0, 0
    for i, (start, _end) in enumerate(hits):
        last = max(last, i)
        while last < len(hits) and hits[last][1] <= start + length:
            last += 1
        if last - i > best_count:
            best_start, best_count = start, last - i
    begin = max(0, best_start - 40)
    if begin:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < best_start else begin
    end = min(len(text), begin + length)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    out = Markup("…") if begin else Markup("")
    position = begin
    for start, stop in hits:
        if start < begin or stop > end:
            continue
        out += escape(text[position:start]) + Markup("<mark>") + escape(text[start:stop]) + Markup("</mark>")
        position = stop
    out += escape(text[position:end])
    return out + (Markup("…") if end < len(text) else Markup(""))
