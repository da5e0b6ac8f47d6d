"""The markdown renderer's shape guarantees: mentions only where a reader sees text, raw HTML as typed, nesting
bounded whatever the input (its speed on the worst inputs is measured by bench/markdown_worst.py, not here)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.services.markdown import MAX_DEPTH, excerpt, find_mentions, plain_text, render_markdown

LONGEST = 60_000


class Depth(HTMLParser):
    VOID = {"br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self.depth -= 1


def deepest(html: str) -> int:
    parser = Depth()
    parser.feed(html)
    return parser.deepest


class TestMentions:
    def test_in_text_not_in_code_or_links(self) -> None:
        html = render_markdown("Hoi @Anna.Bakker en **@bert**, `@code` en [@link](https://x.nl)\n\n```\n@blok\n```")
        assert '<span class="mention" data-user="anna.bakker">@Anna.Bakker</span>' in html
        assert '<strong><span class="mention" data-user="bert">@bert</span></strong>' in html
        assert "<code>@code</code>" in html and ">@link</a>" in html and "@blok" in html
        assert find_mentions("Hoi @Anna.Bakker en **@bert**, `@code` en [@link](https://x.nl)") == {
            "anna.bakker", "bert"}

    def test_a_mention_in_an_address_stays_the_address(self) -> None:
        html = render_markdown("[lijst](https://x.nl/?wie=@anna) ![foto](https://x.nl/f.png?door=@bert \"@carla\")\n\n"
                               "[ref]\n\n[ref]: https://x.nl/?aan=@dirk")
        assert 'href="https://x.nl/?wie=@anna"' in html and 'src="https://x.nl/f.png?door=@bert"' in html
        assert 'title="@carla"' in html and 'href="https://x.nl/?aan=@dirk"' in html
        assert "mention" not in html and "\ue000" not in html and "%EE%80%80" not in html

    def test_a_private_use_character_typed_is_not_taken_for_a_mark(self) -> None:
        html = render_markdown("tekst \ue000anna en @bert")
        assert 'data-user="anna"' not in html and 'data-user="bert"' in html

    def test_an_email_address_is_not_a_mention(self) -> None:
        assert find_mentions("mail anna@partij.nl of @ab of @x") == set()

    def test_typed_html_cannot_forge_a_mention(self) -> None:
        assert find_mentions('<span class="mention" data-user="admin">@admin</span>') == {"admin"}
        forged = '<span class="mention" data-user="beheer">x</span>'
        assert find_mentions(forged) == set()
        assert '<span class="mention"' not in render_markdown(forged) and "&lt;span" in render_markdown(forged)


class TestBoundedNesting:
    @pytest.mark.parametrize("text", [">" * LONGEST, "> " * (LONGEST // 2), "*" * (LONGEST // 2) + "a" + "*" * (
        LONGEST // 2 - 1), "_" * (LONGEST // 2) + "a" + "_" * (LONGEST // 2 - 1), "> - " * (LONGEST // 4),
        "1. " * (LONGEST // 3), "*_" * (LONGEST // 4) + "a" + "_*" * (LONGEST // 4 - 1)])
    def test_no_element_nests_deeper_than_the_limit(self, text) -> None:
        html = render_markdown(text[:LONGEST])
        assert deepest(html) <= MAX_DEPTH

    def test_ordinary_nesting_is_kept(self) -> None:
        html = render_markdown("> citaat\n> > dieper\n> > - punt\n> >   - sub *nadruk*")
        assert html.count("<blockquote>") == 2 and html.count("<ul>") == 2 and "<em>nadruk</em>" in html


class TestPlainText:
    def test_marks_go_words_stay(self) -> None:
        text = ("# Motie\n\nDe **raad** _verzoekt_ [het college](https://x.nl) om ![kaart](k.png) `a_b` en "
                "~~niet~~.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> citaat &amp; meer")
        assert plain_text(text) == "Motie De raad verzoekt het college om kaart a_b en niet. a b 1 2 citaat & meer"

    def test_excerpt_reads_only_the_start(self) -> None:
        long = "Begin van de motie. " + "[" * LONGEST
        assert excerpt(long, 30) == "Begin van de motie. [[[[[[[[[…"
        assert excerpt("Kort **en** goed") == "Kort en goed"
