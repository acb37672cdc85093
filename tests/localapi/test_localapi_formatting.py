"""Entity parsing rules (pure functions, no server needed)."""

from __future__ import annotations

import pytest

from bot.localapi.errors import ApiError
from bot.localapi.formatting import detect_entities, parse_text


def triples(entities):
    return [(e["type"], e["offset"], e["length"]) for e in entities]


def parse_error(text: str, mode: str) -> str:
    with pytest.raises(ApiError) as raised:
        parse_text(text, mode, None)
    assert raised.value.code == 400
    return raised.value.description.removeprefix("Bad Request: can't parse entities: ")


def test_html_entities_nesting_links_and_utf16_offsets():
    text, entities = parse_text(
        '😀 <b>fet <i>kursiv</i></b> &lt;3 <a href="https://ex.se/?a=1&amp;b=2">länk</a>',
        "HTML",
        None,
    )
    assert text == "😀 fet kursiv <3 länk"
    # The emoji counts as two UTF-16 code units.
    assert triples(entities) == [("bold", 3, 10), ("italic", 7, 6), ("text_link", 17, 4)]
    assert entities[2]["url"] == "https://ex.se/?a=1&b=2"


def test_html_pre_code_language_spoiler_blockquote():
    text, entities = parse_text(
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        "<blockquote expandable>q</blockquote>&#128512;&#x41;",
        "html",
        None,
    )
    assert text == "x = 1stq😀A"
    assert triples(entities) == [
        ("pre", 0, 5),
        ("spoiler", 5, 1),
        ("spoiler", 6, 1),
        ("expandable_blockquote", 7, 1),
    ]
    assert entities[0]["language"] == "python"


def test_html_errors():
    assert parse_error("<b>x</i>", "HTML") == (
        'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'
    )
    assert parse_error("x</b>", "HTML") == "Unexpected end tag at byte offset 1"
    assert parse_error('<a href="x>y', "HTML") == "Unclosed start tag at byte offset 0"
    assert parse_error("åå<span>x</span>", "HTML") == (
        'Tag "span" must have class "tg-spoiler" at byte offset 4'
    )
    # A lone '&' is text, an unknown named entity too.
    assert parse_text("a & b &nbsp;", "HTML", None)[0] == "a & b &nbsp;"


def test_markdown_v2():
    text, entities = parse_text(
        r"*fet _kursiv_* __under__ ~struken~ ||dold|| `kod\`` [länk](https://ex.se/a\)b) 1\.5\!",
        "MarkdownV2",
        None,
    )
    assert text == "fet kursiv under struken dold kod` länk 1.5!"
    assert triples(entities) == [
        ("bold", 0, 10),
        ("italic", 4, 6),
        ("underline", 11, 5),
        ("strikethrough", 17, 7),
        ("spoiler", 25, 4),
        ("code", 30, 4),
        ("text_link", 35, 4),
    ]
    assert entities[-1]["url"] == "https://ex.se/a)b"


def test_markdown_v2_pre_and_blockquote():
    text, entities = parse_text(
        "```python\nprint(1)\n```\n>citat\n>rad två\nslut", "MarkdownV2", None
    )
    assert text == "print(1)\n\ncitat\nrad två\nslut"
    assert triples(entities) == [("pre", 0, 9), ("blockquote", 10, 13)]
    assert entities[0]["language"] == "python"


def test_markdown_v2_errors():
    assert parse_error("Pris: 5-10 kr", "MarkdownV2") == (
        "Character '-' is reserved and must be escaped with the preceding '\\'"
    )
    assert (
        parse_error("ok _kursiv", "MarkdownV2")
        == "Can't find end of Italic entity at byte offset 3"
    )
    assert (
        parse_error("[länk](https://x", "MarkdownV2") == "Can't find end of a URL at byte offset 7"
    )


def test_legacy_markdown():
    text, entities = parse_text("*fet* _k_ `c` [l](http://x)", "Markdown", None)
    assert text == "fet k c l"
    assert triples(entities) == [
        ("bold", 0, 3),
        ("italic", 4, 1),
        ("code", 6, 1),
        ("text_link", 8, 1),
    ]
    assert (
        parse_error("*öppen", "Markdown")
        == "Can't find end of the entity starting at byte offset 0"
    )


def test_unknown_parse_mode_and_trimming():
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        parse_text("x", "BBCode", None)
    text, entities = parse_text("  <b> hej</b>  ", "HTML", None)
    assert text == "hej" and triples(entities) == [("bold", 0, 3)]
    text, entities = parse_text("hej", None, [{"type": "bold", "offset": 0, "length": 3}])
    assert triples(entities) == [("bold", 0, 3)]


def test_detect_entities_in_user_text():
    text = (
        "/start@kompis_local_bot se https://kompis.se/a?b=1 och @ana_svets #svets ana@ex.se /hjalp"
    )
    found = [
        (e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in detect_entities(text)
    ]
    assert found == [
        ("bot_command", "/start@kompis_local_bot"),
        ("url", "https://kompis.se/a?b=1"),
        ("mention", "@ana_svets"),
        ("hashtag", "#svets"),
        ("email", "ana@ex.se"),
        ("bot_command", "/hjalp"),
    ]
    assert detect_entities("vanlig text") == []
