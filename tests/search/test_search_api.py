"""Full-text search through the HTTP API: input checks, Dutch words (stems, accents, stop words), every filter,
the order and keyset pages (also across ranking windows), what nobody may find (secret and closed groups,
former members, held, deleted and draft content, deactivated members), the index kept current by every write,
suggestions while typing, the text of attached PDFs, and rebuilding the index.

The PostgreSQL test database is shared by the run, so every test searches for made-up words of its own.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, func, select, text, update

import app.services.search.query as search_query
from app.mailer import LogTransport
from app.models import Attachment, Post, SearchDocument, Thread, User
from app.schemas.posts import ReplyCreate
from app.services import posts, search
from app.worker import Worker
from tests.api.helpers import API, assert_error
from tests.backends import BACKEND

SEARCH = f"{API}/search"
SUGGEST = f"{API}/search/suggest"
IBAN = "NL91ABNA0417164300"  # a valid Dutch IBAN: a citizen's personal data, held for review


# --- helpers -------------------------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json() if status != 204 else None


@pytest.fixture(params=["planner", "walk", "read", "no-statistics"])
def strategy(request, monkeypatch) -> str:
    """PostgreSQL's ways to find the newest matches, each forced (SQLite ignores them): the choice by cost,
    walking back in small slices, reading every match through the GIN index, and no planner estimate."""
    monkeypatch.setattr(search_query, "MIN_SLICE", 2)
    monkeypatch.setattr(search_query, "RECENT_SLICE", 3)
    if request.param == "walk":
        monkeypatch.setattr(search_query, "READ_COST", 1e12)
    elif request.param == "read":
        monkeypatch.setattr(search_query, "WALK_COST", 1e12)
    elif request.param == "no-statistics":
        monkeypatch.setattr(search_query, "_estimated_density", lambda *args, **kwargs: None)
    return str(request.param)


def results(client: Any, q: str, **params: Any) -> dict[str, Any]:
    """The whole answer of one search."""
    return ok(client.get(SEARCH, params={"q": q, **params}))


def found(client: Any, q: str, **params: Any) -> list[tuple[str, int]]:
    """(kind, id) of the first page, in order."""
    return [(h["kind"], h["id"]) for h in results(client, q, **params)["items"]]


def every(client: Any, q: str, *, limit: int, **params: Any) -> list[tuple[str, int]]:
    """(kind, id) of all pages, following next_cursor; each later page has no counts."""
    out: list[tuple[str, int]] = []
    cursor = None
    for _ in range(100):
        page = results(client, q, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= limit
        if cursor:
            assert page["counts"] == {}
        out += [(h["kind"], h["id"]) for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return out
        assert page["items"], "a page with a next cursor is never empty"
    raise AssertionError("the pages never end")


def suggested(client: Any, q: str, **params: Any) -> list[tuple[str, str]]:
    return [(s["kind"], s["title"]) for s in ok(client.get(SUGGEST, params={"q": q, **params}))]


def start(client: Any, channel_id: int, title: str, body: str = "Wie weet dit?", **fields: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/channels/{channel_id}/threads", json={"title": title, "body": body} | fields), 201)


def reply(client: Any, thread_id: int, body: str) -> dict[str, Any]:
    return ok(client.post(f"{API}/threads/{thread_id}/replies", json={"body": body}), 201)


def queue_item(client: Any, post_id: int) -> dict[str, Any]:
    [item] = [i for i in ok(client.get(f"{API}/moderation/queue"))["items"] if i["post_id"] == post_id]
    return item


def thread_key(thread: dict[str, Any]) -> tuple[str, int]:
    return ("thread", thread["id"])


def index_member(run: Any, user: User) -> None:
    """Members made by the factory are not in the index yet (accounts are indexed by the services)."""
    run(lambda s: search.index_member(s, s.get(User, user.id)))


def check_fts(session: Any) -> None:
    """SQLite: the FTS5 table agrees with search_documents (the triggers kept it in step)."""
    if BACKEND == "sqlite":
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))


def pdf_with_text(line: str) -> bytes:
    """A minimal valid one-page PDF that shows `line` in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def run_jobs(db, settings, app):
    """The job runner does what is due (here: reading the text of attached PDFs)."""
    def _run(now: datetime | None = None) -> int:
        worker = Worker(db, settings, LogTransport(), dispatcher=app.state.dispatcher, name="search-test")
        return asyncio.run(worker.run_due(now=now))

    return _run


@pytest.fixture
def town(make_group, member) -> dict[str, Any]:
    """An open theme group `member` belongs to."""
    return make_group("Leefbare Stad", members=(member,))


# --- input ---------------------------------------------------------------------------------------------------


class TestInput:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.get(SEARCH, params={"q": "motie"}), 401, "unauthenticated")
        assert_error(anon.get(SUGGEST, params={"q": "mot"}), 401, "unauthenticated")

    BAD_SEARCH = [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "motie", "kind": "wiki"}, "kind"),
        ({"q": "motie", "sort": "best"}, "sort"),
        ({"q": "motie", "since": "2025-13-01"}, "since"),
        ({"q": "motie", "until": "gisteren"}, "until"),
        ({"q": "motie", "limit": 0}, "limit"),
        ({"q": "motie", "limit": 51}, "limit"),
        ({"q": "motie", "limit": "veel"}, "limit"),
        ({"q": "motie", "group_id": 0}, "group_id"),
        ({"q": "motie", "author_id": "anna"}, "author_id"),
        ({"q": "motie", "group_kind": "club"}, "group_kind"),
        ({"q": "motie", "thread_kind": "poll"}, "thread_kind"),
        ({"q": "motie", "motion_status": "maybe"}, "motion_status"),
        ({"q": "motie", "province": "atlantis"}, "province"),
        ({"q": "motie", "municipality": "x" * 101}, "municipality"),
        ({"q": "motie", "cursor": "x" * 201}, "cursor"),
        ({"q": "motie", "page": 2}, "page"),
    ]

    def test_bad_search_input_names_the_field(self, client_for, member) -> None:
        client = client_for(member)
        for params, field in self.BAD_SEARCH:
            response = client.get(SEARCH, params=params)
            assert response.status_code == 422, (params, response.text)
            error = response.json()["error"]
            assert error["code"] == "invalid" and error["message"], (params, error)
            assert error["field"].split(".")[0] == field, (params, error)  # a list's item: "kind.0"

    def test_an_unknown_kind_among_good_ones(self, client_for, member) -> None:
        response = client_for(member).get(f"{SEARCH}?q=motie&kind=thread&kind=wiki")
        assert_error(response, 422, "invalid", "kind.1")

    def test_bad_cursor(self, client_for, member) -> None:
        """Not base64, not JSON, the wrong length, a word for an id, a negative id: 422 on the cursor."""
        client = client_for(member)
        for cursor in ("garbage!", "bm90IGpzb24", "WzEsMiwzLDRd", "WyJ4IiwgMS4wLCAxXQ", "Wy0xLCAxLjAsIDFd",
                       "WzAsIDEuMF0"):
            for sort in ("relevance", "newest"):
                assert_error(client.get(SEARCH, params={"q": "motie", "sort": sort, "cursor": cursor}),
                             422, "invalid", "cursor")

    def test_a_cursor_of_the_other_order_is_refused(self, client_for, member, town, make_thread) -> None:
        for n in range(3):
            make_thread(member, town["channel_id"], title=f"Dijkverzwaring deel {n}", body="Over de dijk.")
        client = client_for(member)
        newest = results(client, "dijkverzwaring", sort="newest", limit=1)["next_cursor"]
        relevant = results(client, "dijkverzwaring", limit=1)["next_cursor"]
        assert newest and relevant
        assert_error(client.get(SEARCH, params={"q": "dijkverzwaring", "cursor": newest}), 422, "invalid", "cursor")
        assert_error(client.get(SEARCH, params={"q": "dijkverzwaring", "sort": "newest", "cursor": relevant}),
                     422, "invalid", "cursor")

    def test_bad_suggest_input(self, client_for, member) -> None:
        client = client_for(member)
        for params, field in [({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 201}, "q"), ({"q": "mo", "limit": 0}, "limit"),
                              ({"q": "mo", "limit": 21}, "limit"), ({"q": "mo", "kind": "thread"}, "kind")]:
            assert_error(client.get(SUGGEST, params=params), 422, "invalid", field)

    def test_odd_queries_are_just_words(self, client_for, member, town, make_thread) -> None:
        """Query syntax of FTS5 or tsquery in the words is no syntax: never a 500."""
        thread = make_thread(member, town["channel_id"], title="Zonnepark op de kavel", body="Zon.")
        client = client_for(member)
        for q in ('"zonnepark"', "zonne* OR park", "NEAR(a b)", "a:b", "(", ")", "'", "\\", "&|!", "zonnepark -kavel",
                  "^x", "{title_terms}: x", "motie:*", "zonnepark:*A", "AND", "NOT", "日本語", "🙂", IBAN, "x" * 200,
                  "a b c d e f g h i j k l", " ", "-", "_", "%", "zonnepark';--"):
            page = results(client, q)
            assert page["counted_up_to"] == search_query.COUNT_UP_TO, q
            ok(client.get(SUGGEST, params={"q": q}))
        for q in ('"zonnepark"', "zonnepark -kavel", "zonnepark';--", "(zonnepark)", "zonnepark:*"):
            assert found(client, q) == [thread_key(thread)], q
        assert suggested(client, '"zonnep') == [("thread", "Zonnepark op de kavel")]


# --- words ---------------------------------------------------------------------------------------------------


class TestWords:
    def test_plural_and_singular(self, client_for, member, town, make_thread) -> None:
        one = make_thread(member, town["channel_id"], title="Een motie over bomen", body="Wij dienen haar in.")
        more = make_thread(member, town["channel_id"], title="Drie moties over water", body="Alle drie aangenomen.")
        client = client_for(member)
        for q in ("motie", "moties", "Moties"):
            assert {thread_key(one), thread_key(more)} <= set(found(client, q, kind="thread", limit=50)), q

    def test_duurzaam(self, client_for, member, town, make_thread) -> None:
        noun = make_thread(member, town["channel_id"], title="Kwelderplan", body="De duurzaamheid van de kwelder.")
        adjective = make_thread(member, town["channel_id"], title="Kwelderplan twee", body="Een duurzame kwelder.")
        plain = make_thread(member, town["channel_id"], title="Kwelderplan drie", body="Een duurzaam plan.")
        client = client_for(member)
        for q in ("duurzaam", "duurzame", "duurzaamheid"):
            assert set(found(client, f"kwelderplan {q}")) == {thread_key(noun), thread_key(adjective),
                                                              thread_key(plain)}, q

    def test_accents_fold_both_ways(self, client_for, member, town, make_thread) -> None:
        accented = make_thread(member, town["channel_id"], title="Kwelderwerk in Fryslân",
                               body="Een reële kans voor het café.")
        bare = make_thread(member, town["channel_id"], title="Kwelderwerk in Fryslan", body="Een reele kans.")
        client = client_for(member)
        for q in ("Fryslan", "Fryslân", "FRYSLÂN", "reele", "reële"):
            assert set(found(client, f"kwelderwerk {q}")) == {thread_key(accented), thread_key(bare)}, q
        assert found(client, "kwelderwerk cafe") == [thread_key(accented)]

    def test_case_does_not_matter(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Zonneparkkavel Oost", body="Over de ZONNEPARKKAVEL.")
        client = client_for(member)
        for q in ("zonneparkkavel", "ZONNEPARKKAVEL", "ZonneParkKavel"):
            assert found(client, q) == [thread_key(thread)], q

    def test_stop_words_alone_find_nothing(self, client_for, member, town, make_thread) -> None:
        make_thread(member, town["channel_id"], title="De en het een", body="de het een van en")
        page = results(client_for(member), "de het een")
        assert page == {"items": [], "next_cursor": None, "counts": {}, "counted_up_to": search_query.COUNT_UP_TO,
                        "words": []}
        assert suggested(client_for(member), "de het een ") == []

    def test_words_are_folded_without_stop_words_or_repeats(self, client_for, member) -> None:
        client = client_for(member)
        assert results(client, "De Moties van het college, MOTIES!")["words"] == ["moties", "college"]
        assert results(client, "Fryslân  en reële")["words"] == ["fryslan", "reele"]
        many = " ".join(f"woord{n}" for n in range(12))
        assert results(client, many)["words"] == [f"woord{n}" for n in range(8)]  # at most eight words

    def test_all_words_must_match(self, client_for, member, town, make_thread) -> None:
        both = make_thread(member, town["channel_id"], title="Getijdenpoel bij de dijk", body="Een strandplevier.")
        one = make_thread(member, town["channel_id"], title="Getijdenpoel in het dorp", body="Alleen water.")
        client = client_for(member)
        assert set(found(client, "getijdenpoel")) == {thread_key(both), thread_key(one)}
        # One word in the title, the other in the body: still a match; a word missing: none.
        assert found(client, "getijdenpoel strandplevier") == [thread_key(both)]
        assert found(client, "getijdenpoel strandplevieren") == [thread_key(both)]
        assert found(client, "getijdenpoel kievit") == []

    def test_letters_unaccent_and_fold_treat_alike(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Windpark van Ørsted", body="Ook in Łódź en Næstved.")
        client = client_for(member)
        for q in ("Ørsted", "ørsted", "Łódź", "Næstved"):
            assert found(client, q) == [thread_key(thread)], q

    def test_words_in_an_email_address(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Contact", body="Mail griffie@kweldergem.nl vandaag.")
        client = client_for(member)
        assert found(client, "griffie") == [thread_key(thread)]
        assert found(client, "kweldergem") == [thread_key(thread)]

    def test_words_joined_by_underscores(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Stukken", body="Zie begroting_2025_definitief.pdf.")
        assert found(client_for(member), "begroting") == [thread_key(thread)]

    def test_hits_show_what_matched_escaped(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="<i>Kavelveld</i> & de motie",
                             body="Let op: <script>alert('x')</script> het **kavelveld** is [hier](https://x.nl).")
        [hit] = results(client_for(member), "kavelvelden")["items"]
        assert hit["title"] == "<i>Kavelveld</i> & de motie"
        assert hit["title_html"] == "&lt;i&gt;<mark>Kavelveld</mark>&lt;/i&gt; &amp; de motie"
        assert "<script>" not in hit["snippet_html"] and "&lt;script&gt;" in hit["snippet_html"]
        assert "het <mark>kavelveld</mark> is hier." in hit["snippet_html"]  # markdown marks and links gone
        assert "**" not in hit["snippet_html"] and "https" not in hit["snippet_html"]
        assert hit["url"] == f"/threads/{thread['id']}"

    def test_snippet_is_the_piece_around_the_match(self, client_for, member, town, make_thread) -> None:
        before = " ".join(f"voorwoord{n}" for n in range(120))
        after = " ".join(f"nawoord{n}" for n in range(120))
        make_thread(member, town["channel_id"], title="Lange tekst", body=f"{before} de slibvanger werkt. {after}")
        [hit] = results(client_for(member), "slibvangers")["items"]
        snippet = hit["snippet_html"]
        assert snippet.startswith("…") and snippet.endswith("…")
        assert "de <mark>slibvanger</mark> werkt." in snippet
        assert len(snippet) < 300 and "voorwoord0 " not in snippet and "nawoord119" not in snippet

    def test_a_hit_of_each_kind(self, client_for, run, member, manager, make_group, make_thread) -> None:
        """Each kind has its url, group, author and fields."""
        group = make_group("Wadlopers Kwelderroute", kind="faction", members=(member,))
        thread = make_thread(member, group["channel_id"], title="Kwelderroute motie", kind="motion",
                             body="De kwelderroute.", motion={"municipality": "Delft", "status": "adopted"})
        answer = run(posts.create_reply, manager, thread_id=thread["id"], data=ReplyCreate(body="Kwelderroute ja."))
        ok(client_for(member).patch(f"{API}/me", json={"bio": "Ik loop de kwelderroute."}))
        article = ok(client_for(manager).post(f"{API}/articles", json={
            "title": "De kwelderroute", "lead": "Een wandeling.", "body": "Langs de kwelder."}), 201)
        ok(client_for(manager).post(f"{API}/articles/{article['id']}/publish"))
        hits = {(h["kind"], h["id"]): h for h in results(client_for(member), "kwelderroute", limit=50)["items"]}
        t = hits[("thread", thread["id"])]
        assert (t["url"], t["group"]["id"], t["group"]["slug"], t["author"]["id"]) == (
            f"/threads/{thread['id']}", group["id"], group["slug"], member.id)
        assert (t["thread_kind"], t["motion_status"], t["municipality"]) == ("motion", "adopted", "Delft")
        assert t["title"] == "Kwelderroute motie" and t["created_at"].endswith("Z")
        r = hits[("reply", answer.id)]
        assert (r["url"], r["title"], r["author"]["id"], r["thread_kind"]) == (
            f"/threads/{thread['id']}#post-{answer.id}", "Kwelderroute motie", manager.id, "motion")
        g = hits[("group", group["id"])]
        assert (g["url"], g["title"], g["group"]["id"]) == (f"/groups/{group['slug']}", "Wadlopers Kwelderroute",
                                                            group["id"])
        m = hits[("member", member.id)]
        assert (m["url"], m["title"], m["group"]) == (f"/members/{member.username}", "Anna de Vries", None)
        assert m["municipality"] == "Alkmaar" and "raadslid" in m["snippet_html"]
        a = hits[("article", article["id"])]
        assert (a["url"], a["title"], a["group"]) == (f"/articles/{article['slug']}", "De kwelderroute", None)


# --- filters -------------------------------------------------------------------------------------------------


@pytest.fixture
def corpus(client_for, run, make_user, make_group, make_thread) -> dict[str, Any]:
    """Everything mentions "kavelruil": threads of each kind in groups of three kinds, two replies, a group entry
    and a member entry, by two members from different places."""
    anna = make_user(display_name="Anna Kavel", municipality="Delft", province="zuid-holland")
    bram = make_user(display_name="Bram Ruil", municipality="Groningen", province="groningen")
    theme = make_group("Thema Kavelruil", kind="theme", members=(anna, bram))
    faction = make_group("Fractie Noordzee", kind="faction", members=(anna, bram))
    province = make_group("Provincie Zuidwest", kind="province", members=(anna, bram))
    discussion = make_thread(anna, theme["channel_id"], title="Kavelruil in de polder", body="Wat vinden jullie?")
    question = make_thread(bram, faction["channel_id"], kind="question", title="Vraag over kavelruil", body="Hoe?")
    adopted = make_thread(anna, province["channel_id"], kind="motion", title="Motie kavelruil", body="Wij vragen.",
                          motion={"municipality": "Rotterdam", "status": "adopted"})
    rejected = make_thread(bram, province["channel_id"], kind="motion", title="Tweede motie", body="Ook kavelruil.",
                           motion={"municipality": "Haren", "status": "rejected"})
    bram_reply = run(posts.create_reply, bram, thread_id=discussion["id"], data=ReplyCreate(body="Kavelruil werkt."))
    anna_reply = run(posts.create_reply, anna, thread_id=question["id"], data=ReplyCreate(body="Met kavelruil."))
    ok(client_for(anna).patch(f"{API}/me", json={"bio": "Kenner van kavelruil."}))
    return {
        "anna": anna, "bram": bram, "theme": theme, "faction": faction, "province": province,
        "discussion": thread_key(discussion), "question": thread_key(question), "adopted": thread_key(adopted),
        "rejected": thread_key(rejected), "bram_reply": ("reply", bram_reply.id),
        "anna_reply": ("reply", anna_reply.id), "group": ("group", theme["id"]), "member": ("member", anna.id),
    }


class TestFilters:
    def _found(self, client: Any, corpus: dict[str, Any], **params: Any) -> set[str]:
        names = {v: k for k, v in corpus.items() if isinstance(v, tuple)}
        hits = found(client, "kavelruil", limit=50, **params)
        assert len(hits) == len(set(hits))
        return {names[h] for h in hits}

    def test_no_filter_and_counts(self, client_for, corpus) -> None:
        client = client_for(corpus["anna"])
        assert self._found(client, corpus) == {"discussion", "question", "adopted", "rejected", "bram_reply",
                                               "anna_reply", "group", "member"}
        page = results(client, "kavelruil")
        assert page["counts"] == {"thread": 4, "reply": 2, "group": 1, "member": 1}
        assert page["words"] == ["kavelruil"] and page["next_cursor"] is None

    def test_kind(self, client_for, corpus) -> None:
        client = client_for(corpus["anna"])
        assert self._found(client, corpus, kind=["thread", "reply"]) == {
            "discussion", "question", "adopted", "rejected", "bram_reply", "anna_reply"}
        assert self._found(client, corpus, kind="reply") == {"bram_reply", "anna_reply"}
        assert self._found(client, corpus, kind="group") == {"group"}
        assert self._found(client, corpus, kind="member") == {"member"}
        assert self._found(client, corpus, kind="article") == set()
        # The counts are per kind without the kind filter (the tabs), but with every other filter.
        assert results(client, "kavelruil", kind="reply")["counts"] == {"thread": 4, "reply": 2, "group": 1,
                                                                       "member": 1}
        assert results(client, "kavelruil", kind="reply", province="groningen")["counts"] == {"thread": 2,
                                                                                             "reply": 1}

    def test_group_and_group_kind(self, client_for, corpus) -> None:
        client = client_for(corpus["anna"])
        assert self._found(client, corpus, group_id=corpus["theme"]["id"]) == {"discussion", "bram_reply", "group"}
        assert self._found(client, corpus, group_id=corpus["province"]["id"]) == {"adopted", "rejected"}
        assert self._found(client, corpus, group_id=999_999) == set()
        assert self._found(client, corpus, group_kind="faction") == {"question", "anna_reply"}
        assert self._found(client, corpus, group_kind="province") == {"adopted", "rejected"}
        assert self._found(client, corpus, group_kind="theme") == {"discussion", "bram_reply", "group"}
        assert self._found(client, corpus, group_kind="other") == set()

    def test_thread_kind_and_motion_status(self, client_for, corpus) -> None:
        """A reply carries the kind of its thread."""
        client = client_for(corpus["anna"])
        assert self._found(client, corpus, thread_kind="motion") == {"adopted", "rejected"}
        assert self._found(client, corpus, thread_kind="question") == {"question", "anna_reply"}
        assert self._found(client, corpus, thread_kind="discussion") == {"discussion", "bram_reply"}
        assert self._found(client, corpus, motion_status="adopted") == {"adopted"}
        assert self._found(client, corpus, motion_status="rejected") == {"rejected"}
        assert self._found(client, corpus, motion_status="draft") == set()

    def test_place_and_author(self, client_for, corpus) -> None:
        """Municipality: a motion's own, else the author's; any case, spaces around ignored."""
        client = client_for(corpus["anna"])
        assert self._found(client, corpus, municipality="rotterdam") == {"adopted"}
        assert self._found(client, corpus, municipality="  HAREN ") == {"rejected"}
        assert self._found(client, corpus, municipality="dElFt") == {"discussion", "anna_reply", "member"}
        assert self._found(client, corpus, municipality="Groningen") == {"question", "bram_reply"}
        assert self._found(client, corpus, municipality="Delf") == set()
        assert self._found(client, corpus, province="zuid-holland") == {"discussion", "adopted", "anna_reply",
                                                                         "member"}
        assert self._found(client, corpus, province="groningen") == {"question", "rejected", "bram_reply"}
        assert self._found(client, corpus, province="limburg") == set()
        assert self._found(client, corpus, author_id=corpus["bram"].id) == {"question", "rejected", "bram_reply"}
        assert self._found(client, corpus, author_id=corpus["anna"].id) == {"discussion", "adopted", "anna_reply",
                                                                             "member"}

    def test_combinations(self, client_for, corpus) -> None:
        client = client_for(corpus["anna"])
        assert self._found(client, corpus, author_id=corpus["anna"].id, thread_kind="motion") == {"adopted"}
        assert self._found(client, corpus, kind="reply", province="groningen") == {"bram_reply"}
        assert self._found(client, corpus, group_kind="province", motion_status="rejected") == {"rejected"}
        assert self._found(client, corpus, kind=["thread", "member"], municipality="delft") == {"discussion",
                                                                                               "member"}
        assert self._found(client, corpus, author_id=corpus["bram"].id, group_id=corpus["faction"]["id"],
                           kind="thread") == {"question"}
        assert self._found(client, corpus, author_id=corpus["bram"].id, motion_status="adopted") == set()
        page = results(client, "kavelruil", author_id=corpus["bram"].id)
        assert page["counts"] == {"thread": 2, "reply": 1}

    def test_days_in_amsterdam(self, client_for, run, session, member, town, make_thread) -> None:
        """since/until are whole days in Amsterdam, both included (winter time UTC+1, summer time UTC+2)."""
        moments = {
            "mar1_late": datetime(2025, 3, 1, 22, 59, tzinfo=UTC),   # 1 March 23:59 in Amsterdam
            "mar2_early": datetime(2025, 3, 1, 23, 30, tzinfo=UTC),  # 2 March 00:30
            "jun30_late": datetime(2025, 6, 30, 21, 59, tzinfo=UTC),  # 30 June 23:59
            "jul1_early": datetime(2025, 6, 30, 22, 0, tzinfo=UTC),   # 1 July 00:00
        }
        ids = {}
        for name, moment in moments.items():
            thread = make_thread(member, town["channel_id"], title=f"Getijdenkaart {name}", body="Eb en vloed.")
            session.execute(update(Thread).where(Thread.id == thread["id"]).values(created_at=moment))
            session.execute(update(Post).where(Post.thread_id == thread["id"]).values(created_at=moment))
            session.commit()
            run(lambda s, tid=thread["id"]: search.index_thread(s, s.get(Thread, tid)))
            ids[thread["id"]] = name
        client = client_for(member)

        def days(**params: Any) -> set[str]:
            return {ids[i] for _, i in found(client, "getijdenkaart", **params)}

        assert days(until="2025-03-01") == {"mar1_late"}
        assert days(since="2025-03-02") == {"mar2_early", "jun30_late", "jul1_early"}
        assert days(since="2025-03-02", until="2025-03-02") == {"mar2_early"}
        assert days(since="2025-03-01", until="2025-03-01") == {"mar1_late"}
        assert days(since="2025-06-30", until="2025-06-30") == {"jun30_late"}
        assert days(since="2025-07-01") == {"jul1_early"}
        assert days(since="2025-03-01", until="2025-07-01") == set(moments)
        assert days(since="2025-07-02") == set() and days(until="2025-02-28") == set()
        assert days(since="2025-07-01", until="2025-03-01") == set()
        assert days(since="2025-03-02", until="2025-06-30", sort="newest") == {"mar2_early", "jun30_late"}
        hit = {h["id"]: h for h in results(client, "getijdenkaart")["items"]}
        assert {hit[i]["created_at"] for i in ids} == {m.isoformat().replace("+00:00", "Z") for m in moments.values()}

    def test_relative_to_today(self, client_for, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Strandhoofd vandaag", body="Nieuw.")
        client = client_for(member)
        today = datetime.now(UTC).astimezone(search_query.TIMEZONE).date()
        assert found(client, "strandhoofd", since=today.isoformat(), until=today.isoformat()) == [thread_key(thread)]
        assert found(client, "strandhoofd", since=(today + timedelta(days=1)).isoformat()) == []
        assert found(client, "strandhoofd", until=(today - timedelta(days=1)).isoformat()) == []

    def test_place_filters_agree_with_a_rebuild(self, client_for, run, make_user, make_group, make_thread) -> None:
        anna = make_user(municipality="Delft", province="zuid-holland")
        group = make_group("Verhuizers", members=(anna,))
        make_thread(anna, group["channel_id"], title="Verhuisplan", body="Over de verhuisplannen.")
        ok(client_for(anna).patch(f"{API}/me", json={"municipality": "Leeuwarden", "province": "friesland"}))
        client = client_for(anna)

        def places() -> list[Any]:
            return [found(client, "verhuisplan", kind="thread", **where) for where in (
                {"municipality": "delft"}, {"municipality": "leeuwarden"}, {"province": "zuid-holland"},
                {"province": "friesland"})]

        before = places()
        run(search.rebuild)
        assert places() == before


# --- order and pages -----------------------------------------------------------------------------------------


class TestOrderAndPages:
    def test_newest_first_in_pages(self, client_for, run, member, town, make_thread) -> None:
        made = [make_thread(member, town["channel_id"], title=f"Vloedlijn {n}", body="Tot hier.") for n in range(5)]
        made_reply = run(posts.create_reply, member, thread_id=made[0]["id"], data=ReplyCreate(body="Vloedlijn!"))
        made.append(make_thread(member, town["channel_id"], title="Vloedlijn laatste", body="Tot daar."))
        expected = [thread_key(made[5]), ("reply", made_reply.id), *[thread_key(t) for t in reversed(made[:5])]]
        client = client_for(member)
        first = results(client, "vloedlijn", sort="newest", limit=3)
        assert [(h["kind"], h["id"]) for h in first["items"]] == expected[:3]
        assert first["counts"] == {"thread": 6, "reply": 1} and first["next_cursor"]
        for limit in (1, 2, 3, 7, 50):
            assert every(client, "vloedlijn", sort="newest", limit=limit) == expected, limit
        stamps = [h["created_at"] for h in results(client, "vloedlijn", sort="newest")["items"]]
        assert stamps == sorted(stamps, reverse=True)

    def test_title_matches_first(self, client_for, run, member, town, make_thread) -> None:
        body_only = make_thread(member, town["channel_id"], title="Over de kust", body="Het slikwad bij Texel.")
        in_title = make_thread(member, town["channel_id"], title="Het slikwad", body="Bij Texel, wat nu?")
        answer = run(posts.create_reply, member, thread_id=in_title["id"], data=ReplyCreate(body="Slikwad, ja."))
        in_both = make_thread(member, town["channel_id"], title="Slikwad en kwelder", body="Slikwad overal.")
        later = make_thread(member, town["channel_id"], title="Nog iets", body="Ook het slikwad hier.")
        hits = found(client_for(member), "slikwad")
        assert set(hits[:2]) == {thread_key(in_title), thread_key(in_both)}
        assert set(hits[2:]) == {thread_key(body_only), thread_key(later), ("reply", answer.id)}

    def test_title_matches_first_also_with_a_long_opening_post(self, client_for, member, town, make_thread) -> None:
        opening = (  # an ordinary opening post of some 85 words
            "Beste collega's, in onze gemeente speelt al jaren de vraag hoe we de haven toekomstbestendig maken. "
            "Ondernemers willen ruimte, bewoners willen rust en groen, en de provincie vraagt om een plan voor "
            "klimaatadaptatie. Tijdens de laatste commissievergadering bleek dat andere fracties vooral kijken naar "
            "kosten op korte termijn. Ik wil daarom voorstellen dat we samen een notitie schrijven met concrete "
            "maatregelen, een planning en een begroting. Graag hoor ik jullie ervaringen uit andere gemeenten, "
            "zodat we kunnen leren van wat elders goed werkte en wat juist niet.")
        in_title = make_thread(member, town["channel_id"], title="Wierbedden in de haven", body=opening)
        body_only = make_thread(member, town["channel_id"], title="Kort", body="Wierbedden? Goed idee.")
        assert found(client_for(member), "wierbedden") == [thread_key(in_title), thread_key(body_only)]

    def test_relevance_pages_hold_every_match_once(self, client_for, member, town, make_thread) -> None:
        titled, others = set(), set()
        for n in range(25):
            if n % 3 == 0:
                titled.add(thread_key(make_thread(member, town["channel_id"], title=f"Zandmotor {n}", body="Ja.")))
            else:
                others.add(thread_key(make_thread(member, town["channel_id"], title=f"Kust {n}",
                                                  body="Over de zandmotor.")))
        client = client_for(member)
        first = results(client, "zandmotor", limit=10)
        assert first["counts"] == {"thread": 25} and first["next_cursor"]
        for limit in (10, 4):
            hits = every(client, "zandmotor", limit=limit)
            assert len(hits) == 25 and set(hits) == titled | others, limit
            assert set(hits[:len(titled)]) == titled  # one window: every title match first

    def test_relevance_pages_across_windows(self, client_for, monkeypatch, member, town, make_thread,
                                            strategy) -> None:
        """Ranked per window of the newest CANDIDATES matches, then the next older window; every match once."""
        monkeypatch.setattr(search_query, "CANDIDATES", 7)
        titled = set()
        made = []
        for n in range(25):
            if n % 4 == 1:
                thread = make_thread(member, town["channel_id"], title=f"Duinvallei {n}", body="Ja.")
                titled.add(thread_key(thread))
            else:
                thread = make_thread(member, town["channel_id"], title=f"Natuur {n}", body="De duinvallei.")
            made.append(thread_key(thread))
        windows = [made[::-1][i:i + 7] for i in range(0, 25, 7)]  # newest first, seven at a time
        client = client_for(member)
        for limit in (10, 3, 50):
            hits = every(client, "duinvallei", limit=limit)
            assert len(hits) == 25 and set(hits) == set(made), limit
            position = 0
            for window in windows:
                part = hits[position:position + len(window)]
                assert set(part) == set(window), limit
                ranks = [key in titled for key in part]
                assert ranks == sorted(ranks, reverse=True), limit  # title matches first within the window
                position += len(window)
        assert results(client, "duinvallei")["counts"] == {"thread": 25}
        assert every(client, "duinvallei", limit=4, sort="newest") == made[::-1]

    def test_the_same_pages_once_the_database_has_statistics(self, client_for, session, monkeypatch, member,
                                                              town, make_thread) -> None:
        """ANALYZE changes plans (and on PostgreSQL how the newest matches are found: by the planner's estimate
        of the words, which it has only once analyzed), never the results."""
        monkeypatch.setattr(search_query, "CANDIDATES", 6)
        monkeypatch.setattr(search_query, "_STATISTICS", {})
        for n in range(40):
            body = "Over de kwelder." if n % 3 else "Over het wad."
            make_thread(member, town["channel_id"], title=f"Natuur {n}", body=body)
        client = client_for(member)
        match = search_query._match(session, ["kwelder"])
        before = every(client, "kwelder", limit=4)
        counts = results(client, "kwelder")["counts"]
        if BACKEND == "postgresql":
            assert search_query._estimated_density(session, match, entries=100) is None  # not analyzed yet
        session.execute(text("ANALYZE search_documents"))
        session.commit()
        monkeypatch.setattr(search_query, "_STATISTICS", {})
        if BACKEND == "postgresql":
            density = search_query._estimated_density(session, match, entries=100)
            assert density is not None and 0.1 < density <= 1.0
        assert every(client, "kwelder", limit=4) == before and len(before) == 26
        assert results(client, "kwelder")["counts"] == counts == {"thread": 26}

    def test_windows_with_a_filter(self, client_for, run, monkeypatch, member, town, make_thread,
                                   strategy) -> None:
        monkeypatch.setattr(search_query, "CANDIDATES", 3)
        thread = make_thread(member, town["channel_id"], title="Basis", body="Geen match.")
        replies = [run(posts.create_reply, member, thread_id=thread["id"], data=ReplyCreate(body=f"Oesterbank {n}"))
                   for n in range(8)]
        for n in range(5):
            make_thread(member, town["channel_id"], title=f"Oesterbank {n}", body="Ja.")
        hits = every(client_for(member), "oesterbank", limit=2, kind="reply")
        assert sorted(hits) == sorted(("reply", r.id) for r in replies)

    def test_relevance_pages_while_someone_posts(self, client_for, monkeypatch, member, town, make_thread) -> None:
        monkeypatch.setattr(search_query, "CANDIDATES", 5)
        made = []
        for n in range(8):  # the oldest of the newest five is the only title match: it comes first
            title, body = ("Wadplaat boven", "Ja.") if n == 3 else (f"Natuur {n}", "Over de wadplaat.")
            made.append(thread_key(make_thread(member, town["channel_id"], title=title, body=body)))
        client = client_for(member)
        first = results(client, "wadplaat", limit=2)
        assert [(h["kind"], h["id"]) for h in first["items"]] == [made[3], made[7]]
        make_thread(member, town["channel_id"], title="Natuur nieuw", body="Over de wadplaat.")
        hits = [(h["kind"], h["id"]) for h in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = results(client, "wadplaat", limit=2, cursor=cursor)
            hits += [(h["kind"], h["id"]) for h in page["items"]]
            cursor = page["next_cursor"]
        assert len(hits) == len(set(hits)), hits  # nothing twice
        assert set(made) <= set(hits)  # nothing that was there is skipped

    # The first window of candidates settles what it can (all of it when not full, a kind reaching the cap in it);
    # the rest is counted: windows of 3 and 4 (neither kind settled), 6 (the replies), 50 (everything).
    @pytest.mark.parametrize("window", [3, 4, 6, 50])
    def test_each_kind_is_counted_up_to_the_cap(self, client_for, run, monkeypatch, member, town, make_thread,
                                                window) -> None:
        monkeypatch.setattr(search_query, "COUNT_UP_TO", 5)
        monkeypatch.setattr(search_query, "CANDIDATES", window)
        threads = [make_thread(member, town["channel_id"], title=f"Kokkelvisser {n}", body="Ja.") for n in range(2)]
        for n in range(6):
            run(posts.create_reply, member, thread_id=threads[0]["id"], data=ReplyCreate(body=f"Kokkelvisser {n}"))
        client = client_for(member)
        page = results(client, "kokkelvisser")
        assert page["counted_up_to"] == 5
        assert len(found(client, "kokkelvisser", kind="thread")) == 2
        assert page["counts"] == {"thread": 2, "reply": 5}
        # A kind chosen: the tabs still count every kind, under the other filters.
        assert results(client, "kokkelvisser", kind="thread")["counts"] == {"thread": 2, "reply": 5}
        assert results(client, "kokkelvisser", sort="newest")["counts"] == {"thread": 2, "reply": 5}

    def test_newest_is_by_date_also_after_a_rebuild(self, client_for, run, session, member, town,
                                                    make_thread) -> None:
        early = make_thread(member, town["channel_id"], title="Zeegat eerst", body="Een.")
        answer = run(posts.create_reply, member, thread_id=early["id"], data=ReplyCreate(body="Zeegat twee."))
        late = make_thread(member, town["channel_id"], title="Zeegat laatst", body="Drie.")
        client = client_for(member)
        expected = [thread_key(late), ("reply", answer.id), thread_key(early)]
        assert found(client, "zeegat", sort="newest") == expected
        session.execute(delete(SearchDocument))  # an index to fill again: after a restore, or a new install
        session.commit()
        run(search.rebuild)
        assert found(client, "zeegat", sort="newest") == expected


# --- what nobody may find ------------------------------------------------------------------------------------


def hidden_group(client_for, run, make_group, make_thread, keeper, member, manager, visibility):
    """A group of `visibility` with a thread and a reply about the "zeewering"; beside it an open group with
    one thread about it too."""
    group = make_group("Commissie Zeewering", visibility=visibility, members=(member,), admins=(keeper,))
    ok(client_for(manager).patch(f"{API}/groups/{group['id']}", json={"description": "Over de zeewering."}))
    inside = make_thread(member, group["channel_id"], title="Zeewering kandidaatlijst",
                         body="Vertrouwelijk: de zeewering en de kandidaatlijst.")
    answer = run(posts.create_reply, keeper, thread_id=inside["id"], data=ReplyCreate(body="Zeewering geheimpje."))
    public = make_group("Open Kustforum", members=(keeper,))
    outside = make_thread(keeper, public["channel_id"], title="Zeewering voor iedereen", body="Open gesprek.")
    return {"group": group, "inside": thread_key(inside), "reply": ("reply", answer.id),
            "entry": ("group", group["id"]), "outside": thread_key(outside)}


class TestVisibility:
    def test_a_secret_group_does_not_exist_for_others(self, client_for, run, make_group, make_thread, keeper,
                                                      member, manager, outsider, admin) -> None:
        w = hidden_group(client_for, run, make_group, make_thread, keeper, member, manager, "secret")
        stranger = client_for(outsider)
        page = results(stranger, "zeewering", limit=50)
        assert [(h["kind"], h["id"]) for h in page["items"]] == [w["outside"]]
        assert page["counts"] == {"thread": 1}
        raw = stranger.get(SEARCH, params={"q": "zeewering"}).text
        for secret in ("kandidaatlijst", "Vertrouwelijk", "geheimpje", "Commissie"):
            assert secret not in raw
        assert found(stranger, "kandidaatlijst") == [] and results(stranger, "geheimpje")["counts"] == {}
        assert found(stranger, "zeewering", group_id=w["group"]["id"]) == []
        assert results(stranger, "zeewering", group_id=w["group"]["id"])["counts"] == {}
        assert found(stranger, "zeewering", author_id=member.id) == []
        assert found(stranger, "commissie zeewering", kind="group") == []
        assert suggested(stranger, "zeew") == [("thread", "Zeewering voor iedereen")]
        assert suggested(stranger, "kandidaatl") == [] and suggested(stranger, "commissie zee") == []
        everything = {w["inside"], w["reply"], w["entry"], w["outside"]}
        for person in (member, keeper, manager, admin):
            client = client_for(person)
            assert set(found(client, "zeewering", limit=50)) == everything, person.role
            assert results(client, "zeewering")["counts"] == {"thread": 2, "reply": 1, "group": 1}
            assert ("thread", "Zeewering kandidaatlijst") in suggested(client, "zeew")
            assert ("group", "Commissie Zeewering") in suggested(client, "commissie zee")

    def test_a_closed_group_shows_its_entry_not_its_content(self, client_for, run, make_group, make_thread, keeper,
                                                            member, manager, outsider) -> None:
        w = hidden_group(client_for, run, make_group, make_thread, keeper, member, manager, "closed")
        stranger = client_for(outsider)
        assert set(found(stranger, "zeewering")) == {w["entry"], w["outside"]}
        assert results(stranger, "zeewering")["counts"] == {"thread": 1, "group": 1}
        [entry] = results(stranger, "zeewering", kind="group", group_id=w["group"]["id"])["items"]
        assert entry["title"] == "Commissie Zeewering" and "<mark>zeewering</mark>" in entry["snippet_html"]
        assert found(stranger, "zeewering", group_id=w["group"]["id"]) == [w["entry"]]
        assert "kandidaatlijst" not in stranger.get(SEARCH, params={"q": "zeewering"}).text
        assert found(stranger, "geheimpje") == [] and found(stranger, "kandidaatlijst") == []
        assert ("group", "Commissie Zeewering") in suggested(stranger, "zeew")
        assert ("thread", "Zeewering kandidaatlijst") not in suggested(stranger, "zeew")
        assert set(found(client_for(member), "zeewering")) == {w["inside"], w["reply"], w["entry"], w["outside"]}

    @pytest.mark.parametrize(("visibility", "remover"), [("secret", "keeper"), ("secret", "manager"),
                                                         ("closed", "keeper"), ("closed", "herself")])
    def test_a_removed_member_no_longer_finds_it(self, client_for, run, make_group, make_thread, keeper, member,
                                                 manager, visibility, remover) -> None:
        w = hidden_group(client_for, run, make_group, make_thread, keeper, member, manager, visibility)
        client = client_for(member)
        assert set(found(client, "zeewering")) == {w["inside"], w["reply"], w["entry"], w["outside"]}
        by = {"keeper": keeper, "manager": manager, "herself": member}[remover]
        ok(client_for(by).delete(f"{API}/groups/{w['group']['id']}/members/{member.id}"), 204)
        still = {w["outside"]} | ({w["entry"]} if visibility == "closed" else set())
        assert set(found(client, "zeewering")) == still
        assert results(client, "zeewering")["counts"] == {"thread": 1} | ({"group": 1} if visibility == "closed"
                                                                          else {})
        assert found(client, "kandidaatlijst") == [] and found(client, "geheimpje") == []
        assert ("thread", "Zeewering kandidaatlijst") not in suggested(client, "zeew")
        assert set(found(client_for(keeper), "zeewering")) == {w["inside"], w["reply"], w["entry"], w["outside"]}

    def test_a_group_made_secret_disappears(self, client_for, run, make_group, make_thread, keeper, member,
                                            manager, outsider) -> None:
        group = make_group("Strandwacht Noord", members=(member,))
        thread = make_thread(member, group["channel_id"], title="Strandwacht rooster", body="Wie kan zaterdag?")
        stranger = client_for(outsider)
        assert set(found(stranger, "strandwacht")) == {("group", group["id"]), thread_key(thread)}
        ok(client_for(manager).patch(f"{API}/groups/{group['id']}", json={"visibility": "secret"}))
        assert found(stranger, "strandwacht") == [] and suggested(stranger, "strandw") == []
        assert set(found(client_for(member), "strandwacht")) == {("group", group["id"]), thread_key(thread)}
        ok(client_for(manager).patch(f"{API}/groups/{group['id']}", json={"visibility": "closed"}))
        assert found(stranger, "strandwacht") == [("group", group["id"])]

    def test_a_held_reply_is_found_once_approved(self, client_for, member, manager, make_user, town) -> None:
        other = make_user()
        writer = client_for(member)
        thread = start(writer, town["channel_id"], "Rekeningnummer voor de zeilclub")
        held = reply(writer, thread["id"], f"Maak het over naar {IBAN}, zegt de penningmeester.")
        assert held["held"] is True
        for person in (member, other, manager):
            assert found(client_for(person), "penningmeester") == [], person.role
        staff = client_for(manager)
        ok(staff.post(f"{API}/moderation/items/{queue_item(staff, held['id'])['id']}/approve", json={}))
        assert found(client_for(other), "penningmeester") == [("reply", held["id"])]

    def test_a_held_thread_is_found_once_approved(self, client_for, member, manager, make_user, town) -> None:
        other = make_user()
        thread = start(client_for(member), town["channel_id"], "Schenking aan de reddingsbrigade",
                       body=f"Graag naar {IBAN}.")
        assert thread["held"] is True
        assert found(client_for(other), "reddingsbrigade") == [] and suggested(client_for(other), "reddingsb") == []
        assert found(client_for(manager), "reddingsbrigade") == []
        staff = client_for(manager)
        ok(staff.post(f"{API}/moderation/items/{queue_item(staff, thread['opening_post']['id'])['id']}/approve",
                      json={}))
        assert found(client_for(other), "reddingsbrigade") == [thread_key(thread)]
        assert suggested(client_for(other), "reddingsb") == [("thread", "Schenking aan de reddingsbrigade")]

    def test_edited_and_approved_is_found_by_its_new_words(self, client_for, member, manager, make_user,
                                                          town) -> None:
        other = make_user()
        thread = start(client_for(member), town["channel_id"], "Contributie van de roeivereniging")
        held = reply(client_for(member), thread["id"], f"Contributie roeiboot naar {IBAN}.")
        staff = client_for(manager)
        ok(staff.post(f"{API}/moderation/items/{queue_item(staff, held['id'])['id']}/approve",
                      json={"body": "Contributie roeiboot via de penningmeester."}))
        assert found(client_for(other), "roeiboot penningmeester") == [("reply", held["id"])]
        assert found(client_for(other), "roeiboot", kind="reply") == [("reply", held["id"])]
        assert found(client_for(other), IBAN) == []

    def test_a_rejected_post_is_never_found(self, client_for, member, manager, make_user, town) -> None:
        thread = start(client_for(member), town["channel_id"], "Gift voor het buurthuis")
        held = reply(client_for(member), thread["id"], f"Buurthuiskas: {IBAN}.")
        staff = client_for(manager)
        ok(staff.post(f"{API}/moderation/items/{queue_item(staff, held['id'])['id']}/reject",
                      json={"reason": "Persoonsgegevens"}))
        assert found(client_for(make_user()), "buurthuiskas") == []
        assert found(staff, "buurthuiskas") == []

    def test_deleted_threads_and_replies_disappear(self, client_for, run, member, manager, make_user, make_group,
                                                   make_thread) -> None:
        other = make_user()
        town = make_group("Kustwacht", members=(member, other))
        kept = make_thread(member, town["channel_id"], title="Vuurtoren blijft", body="Hier blijft het.")
        gone = make_thread(member, town["channel_id"], title="Vuurtoren weg", body="Dit gaat weg.")
        on_gone = run(posts.create_reply, other, thread_id=gone["id"], data=ReplyCreate(body="Vuurtoren reactie."))
        on_kept = run(posts.create_reply, other, thread_id=kept["id"], data=ReplyCreate(body="Vuurtoren ook."))
        removed = run(posts.create_reply, other, thread_id=kept["id"], data=ReplyCreate(body="Vuurtoren foutje."))
        client = client_for(member)
        assert len(found(client, "vuurtoren")) == 5
        ok(client_for(other).delete(f"{API}/posts/{removed.id}"), 204)
        ok(client_for(manager).delete(f"{API}/threads/{gone['id']}"), 204)
        assert set(found(client, "vuurtoren")) == {thread_key(kept), ("reply", on_kept.id)}
        assert ("reply", on_gone.id) not in found(client_for(manager), "vuurtoren")
        assert found(client_for(manager), "foutje") == [] and suggested(client, "vuurtoren we") == []
        assert results(client, "vuurtoren")["counts"] == {"thread": 1, "reply": 1}

    def test_deleting_the_opening_post_deletes_the_thread(self, client_for, run, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Golfbreker", body="Over de golfbreker.")
        run(posts.create_reply, member, thread_id=thread["id"], data=ReplyCreate(body="Golfbreker, ja."))
        ok(client_for(member).delete(f"{API}/posts/{thread['opening_post_id']}"), 204)
        assert found(client_for(member), "golfbreker") == []

    def test_articles_are_found_only_while_published(self, client_for, member, manager) -> None:
        editor = client_for(manager)
        article = ok(editor.post(f"{API}/articles", json={
            "title": "Interview: de havenmeester", "lead": "Over kranen.", "body": "Hij houdt van **baggerwerk**."}),
            201)
        reader = client_for(member)
        for client in (reader, editor):
            assert found(client, "baggerwerk") == [] and found(client, "havenmeester") == []
            assert suggested(client, "havenm") == []
        ok(editor.post(f"{API}/articles/{article['id']}/publish"))
        assert found(reader, "baggerwerk") == [("article", article["id"])]
        kinds = {k for k, _ in found(reader, "havenmeester")}
        assert kinds == {"article", "thread"}  # the article and its comment thread
        assert ("article", "Interview: de havenmeester") in suggested(reader, "havenm")
        comment = ok(reader.post(f"{API}/articles/{article['id']}/comments", json={"body": "Mooi, die kranen!"}),
                     201)
        assert found(reader, "kranen", kind="reply") == [("reply", comment["id"])]
        ok(editor.patch(f"{API}/articles/{article['id']}", json={"body": "Hij houdt van sleepboten."}))
        assert found(reader, "baggerwerk") == [] and found(reader, "sleepboten") == [("article", article["id"])]
        ok(editor.post(f"{API}/articles/{article['id']}/unpublish"))
        for client in (reader, editor):
            assert found(client, "havenmeester") == [] and found(client, "sleepboten") == []
            assert found(client, "kranen") == [] and suggested(client, "havenm") == []
        ok(editor.post(f"{API}/articles/{article['id']}/publish"))
        assert {k for k, _ in found(reader, "havenmeester")} == {"article", "thread"}
        assert found(reader, "kranen", kind="reply") == [("reply", comment["id"])]  # its comments came back

    def test_a_deactivated_member_is_not_found(self, client_for, make_user, member, admin) -> None:
        person = make_user(display_name="Sjoerd Slibkorf", municipality="Harlingen")
        ok(client_for(person).patch(f"{API}/me", json={"bio": "Vrijwilliger bij de kwelderwacht."}))
        reader = client_for(member)
        assert found(reader, "kwelderwacht") == [("member", person.id)]
        assert suggested(reader, "slibk") == [("member", "Sjoerd Slibkorf")]
        ok(client_for(admin).patch(f"{API}/admin/users/{person.id}", json={"is_active": False}))
        assert found(reader, "kwelderwacht") == [] and found(reader, "slibkorf") == []
        assert suggested(reader, "slibk") == [] and found(client_for(admin), "slibkorf") == []
        ok(client_for(admin).patch(f"{API}/admin/users/{person.id}", json={"is_active": True}))
        assert found(reader, "kwelderwacht") == [("member", person.id)]

    def test_a_suspended_member_is_not_found(self, client_for, run, make_user, member, manager) -> None:
        person = make_user(display_name="Tjitske Zeeklei")
        index_member(run, person)
        assert found(client_for(member), "zeeklei") == [("member", person.id)]
        ok(client_for(manager).post(f"{API}/users/{person.id}/suspend", json={"reason": "Spam"}), 204)
        assert found(client_for(member), "zeeklei") == []


# --- the index kept current ----------------------------------------------------------------------------------


class TestKeptCurrent:
    def test_edited_reply(self, client_for, member, make_user, make_group, session) -> None:
        other = make_user()
        town = make_group("Kustwacht", members=(member, other))
        thread = start(client_for(member), town["channel_id"], "Aanlegsteiger")
        answer = reply(client_for(other), thread["id"], "De meerpaal is kapot.")
        reader = client_for(member)
        assert found(reader, "meerpaal") == [("reply", answer["id"])]
        ok(client_for(other).patch(f"{API}/posts/{answer['id']}", json={"body": "De bolder is kapot."}))
        assert found(reader, "meerpaal") == [] and found(reader, "bolder") == [("reply", answer["id"])]
        assert "<mark>bolder</mark>" in results(reader, "bolder")["items"][0]["snippet_html"]
        check_fts(session)

    def test_edited_opening_post_and_title(self, client_for, member, town, session) -> None:
        client = client_for(member)
        thread = start(client, town["channel_id"], "Scheepswerf Oost", body="Over de droogdok.")
        ok(client.patch(f"{API}/posts/{thread['opening_post']['id']}", json={"body": "Over de sleephelling."}))
        assert found(client, "droogdok") == [] and found(client, "sleephelling") == [thread_key(thread)]
        ok(client.patch(f"{API}/threads/{thread['id']}", json={"title": "Jachthaven West"}))
        assert found(client, "scheepswerf") == [] and found(client, "jachthaven sleephelling") == [thread_key(thread)]
        [hit] = results(client, "jachthaven")["items"]
        assert hit["title"] == "Jachthaven West" and hit["title_html"] == "<mark>Jachthaven</mark> West"
        assert suggested(client, "scheepsw") == [] and suggested(client, "jachth") == [("thread", "Jachthaven West")]
        check_fts(session)

    def test_a_reply_shows_the_current_thread_title(self, client_for, run, member, town, make_thread) -> None:
        thread = make_thread(member, town["channel_id"], title="Eerste titel", body="Hallo.")
        answer = run(posts.create_reply, member, thread_id=thread["id"], data=ReplyCreate(body="Zeehondencreche!"))
        ok(client_for(member).patch(f"{API}/threads/{thread['id']}", json={"title": "Tweede titel"}))
        [hit] = results(client_for(member), "zeehondencreche")["items"]
        assert (hit["kind"], hit["id"], hit["title"]) == ("reply", answer.id, "Tweede titel")

    def test_motion_status_and_vote(self, client_for, member, town, make_thread) -> None:
        motion = make_thread(member, town["channel_id"], kind="motion", title="Motie visaflsag", body="Wij vragen.",
                             motion={"municipality": "Urk", "status": "submitted"})
        client = client_for(member)
        assert found(client, "visaflsag", motion_status="submitted") == [thread_key(motion)]
        ok(client.patch(f"{API}/threads/{motion['id']}", json={"motion": {
            "status": "adopted", "vote_result": "Handopsteking, unaniem", "municipality": "Lemsterland"}}))
        assert found(client, "visaflsag", motion_status="submitted") == []
        [hit] = results(client, "visaflsag", motion_status="adopted")["items"]
        assert (hit["motion_status"], hit["municipality"]) == ("adopted", "Lemsterland")
        assert found(client, "handopsteking") == [thread_key(motion)]
        assert found(client, "visaflsag", municipality="lemsterland") == [thread_key(motion)]
        assert found(client, "visaflsag", municipality="urk") == []

    def test_group_rename(self, client_for, member, manager, make_group, session) -> None:
        group = make_group("Werkgroep Kreeftenval", members=(member,))
        client = client_for(member)
        assert found(client, "kreeftenval") == [("group", group["id"])]
        ok(client_for(manager).patch(f"{API}/groups/{group['id']}", json={
            "name": "Werkgroep Mosselzaad", "description": "Alles over mosselzaad en visserij."}))
        assert found(client, "kreeftenval") == [] and found(client, "visserij") == [("group", group["id"])]
        [hit] = results(client, "mosselzaad")["items"]
        assert hit["title"] == "Werkgroep Mosselzaad" and "<mark>mosselzaad</mark>" in hit["snippet_html"]
        assert suggested(client, "mosselz") == [("group", "Werkgroep Mosselzaad")]
        assert suggested(client, "kreeft") == []
        check_fts(session)

    def test_profile_update(self, client_for, make_user, member, make_portfolio) -> None:
        portfolio = make_portfolio("Kustveiligheid")
        person = make_user(display_name="Wietske Wadden")
        reader = client_for(member)
        assert found(reader, "wadden", kind="member") == []
        ok(client_for(person).patch(f"{API}/me", json={
            "municipality": "Kwelderwoude", "province": "friesland", "title": "wethouder",
            "bio": "Ik zet me in voor garnalenvissers.", "portfolio_ids": [portfolio.id]}))
        me = ("member", person.id)
        for q in ("kwelderwoude", "garnalenvisser", "kustveiligheid", "wethouder kwelderwoude", "friesland wadden",
                  "Wietske"):
            assert found(reader, q, kind="member") == [me], q
        assert found(reader, "wadden", kind="member", municipality="KWELDERWOUDE") == [me]
        assert found(reader, "wadden", kind="member", province="friesland") == [me]
        ok(client_for(person).patch(f"{API}/me", json={"display_name": "Wietske Slik", "bio": "Nu iets anders."}))
        assert found(reader, "garnalenvisser") == [] and found(reader, "wietske slik") == [me]
        assert suggested(reader, "wietske sl") == [("member", "Wietske Slik")]

    def test_a_new_member_is_found(self, client_for, member, manager, anon) -> None:
        """Accepting an invitation indexes the new account."""
        url = ok(client_for(manager).post(f"{API}/invites", json={"email": "nieuw.zeeuw@example.nl"}), 201)["url"]
        created = ok(anon.post(f"{API}/invites/{url.rsplit('/', 1)[1]}/accept", json={
            "display_name": "Zeger Zeeuwsch", "username": "zeger.zeeuwsch", "password": "correct horse battery"}),
            201)
        assert found(client_for(member), "zeeuwsch") == [("member", created["user"]["id"])]
        assert suggested(client_for(member), "zeeuw") == [("member", "Zeger Zeeuwsch")]

    def test_a_scheduled_article_is_found_once_published(self, client_for, member, manager, run_jobs) -> None:
        editor = client_for(manager)
        article = ok(editor.post(f"{API}/articles", json={"title": "Portret van de sluiswachter",
                                                          "body": "Over ebstromen."}), 201)
        moment = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        ok(editor.post(f"{API}/articles/{article['id']}/schedule", json={"publish_at": moment.isoformat()}))
        reader = client_for(member)
        assert run_jobs(moment - timedelta(hours=1)) == 0 and found(reader, "ebstromen") == []
        assert run_jobs(moment + timedelta(minutes=1)) >= 1
        assert found(reader, "ebstromen") == [("article", article["id"])]

    def test_a_published_article_renamed(self, client_for, member, manager) -> None:
        editor = client_for(manager)
        article = ok(editor.post(f"{API}/articles", json={"title": "De zeekraal", "body": "Zout."}), 201)
        ok(editor.post(f"{API}/articles/{article['id']}/publish"))
        ok(editor.patch(f"{API}/articles/{article['id']}", json={"title": "De lamsoor"}))
        reader = client_for(member)
        assert found(reader, "zeekraal", kind="article") == [] and suggested(reader, "zeekr") == []
        hits = results(reader, "lamsoor")["items"]
        assert sorted((h["kind"], h["title"]) for h in hits) == [("article", "De lamsoor"), ("thread", "De lamsoor")]
        assert sorted(suggested(reader, "lamso")) == [("article", "De lamsoor"), ("thread", "De lamsoor")]

    def test_merge_moves_the_threads(self, client_for, run, member, manager, make_group, make_thread, session) -> None:
        source = make_group("Havenbeheer Noord", kind="theme", members=(member,))
        target = make_group("Havenbeheer", kind="faction", members=(member,))
        moved = make_thread(member, source["channel_id"], title="Baggerplan haven", body="Baggerplan nu.")
        answer = run(posts.create_reply, member, thread_id=moved["id"], data=ReplyCreate(body="Baggerplan ja."))
        stayed = make_thread(member, target["channel_id"], title="Baggerplan kade", body="Ook hier.")
        ok(client_for(manager).post(f"{API}/groups/merge", json={"source_id": source["id"], "target_id": target["id"]}))
        client = client_for(member)
        hits = {(h["kind"], h["id"]): h for h in results(client, "baggerplan")["items"]}
        assert set(hits) == {thread_key(moved), ("reply", answer.id), thread_key(stayed)}
        assert {h["group"]["id"] for h in hits.values()} == {target["id"]}
        assert set(found(client, "baggerplan", group_id=target["id"])) == set(hits)
        assert found(client, "baggerplan", group_id=source["id"]) == []
        assert set(found(client, "baggerplan", group_kind="faction")) == set(hits)
        assert found(client, "baggerplan", group_kind="theme") == []
        assert found(client, "havenbeheer noord") == [] and found(client, "havenbeheer") == [("group", target["id"])]
        assert suggested(client, "havenbeheer no") == []
        check_fts(session)

    def test_merge_changes_who_may_find_it(self, client_for, run, member, manager, outsider, make_group,
                                           make_thread) -> None:
        """Open into secret: the moved threads are hidden from outsiders; secret into open (confirmed): found."""
        staff = client_for(manager)
        public = make_group("Kustpad Open", members=(member,))
        secret = make_group("Kustpad Geheim", visibility="secret", members=(member,))
        was_open = make_thread(member, public["channel_id"], title="Kustpadroute open", body="Iedereen.")
        was_secret = make_thread(member, secret["channel_id"], title="Kustpadroute geheim", body="Alleen wij.")
        stranger = client_for(outsider)
        assert found(stranger, "kustpadroute") == [thread_key(was_open)]
        ok(staff.post(f"{API}/groups/merge", json={"source_id": public["id"], "target_id": secret["id"]}))
        assert found(stranger, "kustpadroute") == [] and results(stranger, "kustpadroute")["counts"] == {}
        assert set(found(client_for(member), "kustpadroute")) == {thread_key(was_open), thread_key(was_secret)}
        other = make_group("Kustpad Iedereen")
        assert_error(staff.post(f"{API}/groups/merge", json={"source_id": secret["id"], "target_id": other["id"]}),
                     409, "conflict", "confirm_exposure")
        assert found(stranger, "kustpadroute") == []
        ok(staff.post(f"{API}/groups/merge", json={"source_id": secret["id"], "target_id": other["id"],
                                                   "confirm_exposure": True}))
        assert set(found(stranger, "kustpadroute")) == {thread_key(was_open), thread_key(was_secret)}
        assert {h["group"]["id"] for h in results(stranger, "kustpadroute")["items"]} == {other["id"]}


# --- suggestions ---------------------------------------------------------------------------------------------


class TestSuggest:
    @pytest.fixture
    def titles(self, client_for, run, member, manager, make_group, make_thread) -> dict[str, Any]:
        group = make_group("Duurzaamheid", members=(member,))
        thread = make_thread(member, group["channel_id"], title="Duurzaamheid in de wierhaven", body="Zonnepanelen.")
        body_only = make_thread(member, group["channel_id"], title="Iets anders", body="Duurzaamheid in de tekst.")
        run(posts.create_reply, member, thread_id=thread["id"], data=ReplyCreate(body="Duurzaamheid, ja!"))
        return {"group": group, "thread": thread, "body_only": body_only}

    def test_a_prefix_suggests_titles(self, client_for, member, titles) -> None:
        answer = ok(client_for(member).get(SUGGEST, params={"q": "duurz"}))
        mine = [s for s in answer if s["url"] in (f"/groups/{titles['group']['slug']}",
                                                   f"/threads/{titles['thread']['id']}")]
        assert sorted((s["kind"], s["title"], s["title_html"]) for s in mine) == [
            ("group", "Duurzaamheid", "<mark>Duurzaamheid</mark>"),
            ("thread", "Duurzaamheid in de wierhaven", "<mark>Duurzaamheid</mark> in de wierhaven")]
        urls = {s["url"] for s in answer}
        assert f"/threads/{titles['body_only']['id']}" not in urls  # only titles
        assert all(s["kind"] in ("thread", "article", "group", "member") for s in answer)

    def test_whole_words_then_a_prefix(self, client_for, member, titles) -> None:
        client = client_for(member)
        assert suggested(client, "wierhaven duurz") == [("thread", "Duurzaamheid in de wierhaven")]
        assert suggested(client, "duurzaam wierh") == [("thread", "Duurzaamheid in de wierhaven")]
        assert suggested(client, "duurzaam wierhaven ") == [("thread", "Duurzaamheid in de wierhaven")]
        assert suggested(client, "wierhavens") == []  # no prefix of "wierhaven"
        assert suggested(client, "zonnepan") == []  # body words are not suggested

    def test_limit(self, client_for, member, town, make_thread) -> None:
        for n in range(6):
            make_thread(member, town["channel_id"], title=f"Paalworm nummer {n}", body="Hout.")
        client = client_for(member)
        assert len(suggested(client, "paalw")) == 6
        assert len(suggested(client, "paalw", limit=4)) == 4
        assert len(suggested(client, "paalw", limit=1)) == 1

    def test_short_or_odd_input(self, client_for, member, titles) -> None:
        """A single character is no prefix yet; odd characters are no syntax."""
        client = client_for(member)
        for q in ("d", "D", "ö", "1", "(", "'", '"', "*", "-", " d", "d ", "_", "%", "NEAR(", "{title_terms}:"):
            assert suggested(client, q) == [], q
        for q in ("duurzaam x", "duurzaam (", 'duurzaam "', "duurzaam *"):
            assert ("group", "Duurzaamheid") in suggested(client, q), q

    def test_one_character_after_a_word(self, client_for, member, titles) -> None:
        assert suggested(client_for(member), "wierhaven d") == [("thread", "Duurzaamheid in de wierhaven")]

    def test_the_whole_word_typed(self, client_for, member, titles) -> None:
        assert ("group", "Duurzaamheid") in suggested(client_for(member), "Duurzaamheid")

    def test_a_prefix_that_is_a_stop_word(self, client_for, member, town, make_thread) -> None:
        make_thread(member, town["channel_id"], title="Onderwijskwelder", body="Scholen.")
        assert suggested(client_for(member), "onder") == [("thread", "Onderwijskwelder")]


# --- PDF text ------------------------------------------------------------------------------------------------


class TestPdf:
    def test_the_text_of_an_attached_pdf_is_found(self, client_for, member, make_user, town, session,
                                                  run_jobs) -> None:
        data = pdf_with_text("Bijlage: het kwelderherstel in de Waddenzee")
        assert "kwelderherstel" in PdfReader(BytesIO(data)).pages[0].extract_text()
        writer = client_for(member)
        upload = ok(writer.post(f"{API}/attachments", files={"file": ("motie.pdf", data, "application/pdf")}), 201)
        assert upload["content_type"] == "application/pdf"
        thread = start(writer, town["channel_id"], "Motie over de kust", body="Zie de bijlage.",
                       attachment_ids=[upload["id"]])
        reader = client_for(make_user())
        assert found(reader, "kwelderherstel") == []  # not read yet
        assert run_jobs() >= 1
        assert session.scalar(select(Attachment.text).where(Attachment.id == upload["id"])) == (
            "Bijlage: het kwelderherstel in de Waddenzee")
        [hit] = results(reader, "kwelderherstel")["items"]
        assert (hit["kind"], hit["id"]) == thread_key(thread)
        assert "<mark>kwelderherstel</mark>" in hit["snippet_html"] and "Zie de bijlage." in hit["snippet_html"]
        assert found(reader, "waddenzee kust") == [thread_key(thread)]
        # Editing the post keeps the PDF's text in its entry.
        ok(writer.patch(f"{API}/posts/{thread['opening_post']['id']}", json={"body": "Zie de motie."}))
        assert found(reader, "kwelderherstel") == [thread_key(thread)]
        check_fts(session)

    def test_a_pdf_on_a_reply_in_a_secret_group(self, client_for, member, outsider, make_group, run_jobs) -> None:
        group = make_group("Geheime Dijkraad", visibility="secret", members=(member,))
        writer = client_for(member)
        thread = start(writer, group["channel_id"], "Stukken")
        upload = ok(writer.post(f"{API}/attachments", files={
            "file": ("stuk.pdf", pdf_with_text("Vertrouwelijk dijkverraad"), "application/pdf")}), 201)
        answer = ok(writer.post(f"{API}/threads/{thread['id']}/replies", json={
            "body": "Hierbij.", "attachment_ids": [upload["id"]]}), 201)
        run_jobs()
        assert found(writer, "dijkverraad") == [("reply", answer["id"])]
        assert found(client_for(outsider), "dijkverraad") == []

    def test_a_held_post_with_a_pdf_waits_for_approval(self, client_for, member, manager, make_user, town,
                                                       run_jobs) -> None:
        writer = client_for(member)
        thread = start(writer, town["channel_id"], "Donaties")
        upload = ok(writer.post(f"{API}/attachments", files={
            "file": ("giro.pdf", pdf_with_text("Acceptgiro voor de sluiswachter"), "application/pdf")}), 201)
        held = ok(writer.post(f"{API}/threads/{thread['id']}/replies", json={
            "body": f"Naar {IBAN}.", "attachment_ids": [upload["id"]]}), 201)
        run_jobs()
        reader = client_for(make_user())
        assert found(reader, "sluiswachter") == [] and found(client_for(manager), "sluiswachter") == []
        staff = client_for(manager)
        ok(staff.post(f"{API}/moderation/items/{queue_item(staff, held['id'])['id']}/approve", json={}))
        assert found(reader, "sluiswachter") == [("reply", held["id"])]

    def test_a_damaged_pdf_is_no_problem(self, client_for, member, town, session, run_jobs) -> None:
        writer = client_for(member)
        upload = ok(writer.post(f"{API}/attachments", files={
            "file": ("kapot.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "application/pdf")}),
            201)
        thread = start(writer, town["channel_id"], "Kapotte bijlage over de zeesluis", attachment_ids=[upload["id"]])
        run_jobs()
        assert session.scalar(select(Attachment.text).where(Attachment.id == upload["id"])) == ""
        assert found(writer, "zeesluis") == [thread_key(thread)]


# --- rebuilding ----------------------------------------------------------------------------------------------


class TestRebuild:
    @pytest.fixture
    def mixed(self, client_for, run, make_user, make_group, make_thread, member, manager, admin,
              town) -> dict[str, Any]:
        """Searchable and unsearchable things, all about the "pierenbak"."""
        secret = make_group("Pierenbak Geheim", visibility="secret", members=(member,))
        closed = make_group("Pierenbak Besloten", visibility="closed")
        kept = make_thread(member, town["channel_id"], title="Pierenbak open", body="Voor iedereen.")
        run(posts.create_reply, manager, thread_id=kept["id"], data=ReplyCreate(body="Pierenbak, leuk."))
        make_thread(member, secret["channel_id"], title="Pierenbak binnen", body="Alleen voor ons.")
        make_thread(manager, closed["channel_id"], title="Pierenbak achter", body="Besloten.")
        writer = client_for(member)
        held = reply(writer, kept["id"], f"Pierenbak betalen: {IBAN}.")
        assert held["held"]
        gone = make_thread(member, town["channel_id"], title="Pierenbak weg", body="Verwijderd.")
        ok(writer.delete(f"{API}/threads/{gone['id']}"), 204)
        deleted = run(posts.create_reply, member, thread_id=kept["id"], data=ReplyCreate(body="Pierenbak fout."))
        ok(writer.delete(f"{API}/posts/{deleted.id}"), 204)
        editor = client_for(manager)
        ok(editor.post(f"{API}/articles", json={"title": "Concept pierenbak", "body": "Nog niet af."}), 201)
        live = ok(editor.post(f"{API}/articles", json={"title": "Verhaal pierenbak", "body": "Klaar."}), 201)
        ok(editor.post(f"{API}/articles/{live['id']}/publish"))
        person = make_user(display_name="Pieter Pierenbak")
        index_member(run, person)
        inactive = make_user(display_name="Oud Pierenbak")
        ok(client_for(inactive).patch(f"{API}/me", json={"bio": "Hallo"}))
        ok(client_for(admin).patch(f"{API}/admin/users/{inactive.id}", json={"is_active": False}))
        return {"held": held, "gone": gone, "deleted": deleted}

    def _snapshot(self, clients: list[Any]) -> list[Any]:
        out = []
        for client in clients:
            for q in ("pierenbak", "pierenbak open", "voor iedereen", "besloten", "klaar"):
                page = results(client, q, limit=50)
                out.append((sorted((h["kind"], h["id"], h["title"], h["snippet_html"]) for h in page["items"]),
                            page["counts"]))
            out.append(sorted(suggested(client, "pierenb", limit=20)))
        return out

    def test_rebuild_restores_the_same_results(self, client_for, run, session, mixed, member, manager,
                                               outsider) -> None:
        clients = [client_for(member), client_for(manager), client_for(outsider)]
        before = self._snapshot(clients)
        counts = results(clients[1], "pierenbak")["counts"]
        assert counts == {"thread": 4, "reply": 1, "article": 1, "group": 2, "member": 1}
        assert results(clients[2], "pierenbak")["counts"] == {"thread": 2, "reply": 1, "article": 1, "group": 1,
                                                              "member": 1}
        session.execute(delete(SearchDocument))
        session.commit()
        assert found(clients[1], "pierenbak") == []
        rebuilt = run(search.rebuild)
        assert set(rebuilt) == {"thread", "reply", "article", "group", "member"}
        assert all(n >= 1 for n in rebuilt.values())
        assert self._snapshot(clients) == before
        check_fts(session)

    def test_rebuild_leaves_out_what_may_not_be_found(self, client_for, run, session, mixed, manager) -> None:
        run(search.rebuild)
        staff = client_for(manager)
        assert found(staff, "betalen") == []  # held
        assert found(staff, "verwijderd") == [] and found(staff, "fout") == []  # deleted thread and reply
        assert found(staff, "concept") == [] and found(staff, "pierenbak", kind="article") != []  # the draft
        assert [h["title"] for h in results(staff, "pierenbak", kind="member")["items"]] == ["Pieter Pierenbak"]
        held_doc = session.scalar(select(func.count()).select_from(SearchDocument).where(
            SearchDocument.kind == "reply", SearchDocument.ref_id.in_([mixed["held"]["id"], mixed["deleted"].id])))
        assert held_doc == 0
        assert session.scalar(select(func.count()).select_from(SearchDocument).where(
            SearchDocument.thread_id == mixed["gone"]["id"])) == 0

    def test_rebuild_refreshes_and_purges(self, client_for, run, session, mixed, member, manager) -> None:
        """Without emptying the index first: what changed behind the services' back is written again, what is
        gone is dropped, and a second rebuild changes nothing."""
        staff = client_for(manager)
        once = self._snapshot([staff])
        assert run(search.rebuild) == run(search.rebuild)
        assert self._snapshot([staff]) == once
        open_thread = session.scalar(select(Thread).where(Thread.title == "Pierenbak open"))
        closed_thread = session.scalar(select(Thread).where(Thread.title == "Pierenbak achter"))
        open_thread.title = "Pierenbak zichtbaar"
        closed_thread.deleted_at = datetime.now(UTC)
        session.execute(update(User).where(User.display_name == "Pieter Pierenbak").values(is_active=False))
        session.commit()
        run(search.rebuild)
        titles = {h["title"] for h in results(staff, "pierenbak", limit=50)["items"]}
        assert "Pierenbak zichtbaar" in titles and "Pierenbak open" not in titles
        assert "Pierenbak achter" not in titles and "Pieter Pierenbak" not in titles
        assert found(staff, "pierenbak", kind="member") == []
        check_fts(session)

    def test_fill_if_empty(self, client_for, run, session, mixed, manager) -> None:
        staff = client_for(manager)
        before = self._snapshot([staff])
        assert run(search.fill_if_empty) == {}  # not empty: nothing done
        session.execute(delete(SearchDocument))
        session.commit()
        filled = run(search.fill_if_empty)
        assert filled and filled["member"] >= 1
        assert self._snapshot([staff]) == before
        assert run(search.fill_if_empty) == {}
