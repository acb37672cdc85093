"""Plain Swedish: every Swedish message of more than one sentence and eight words or more has a LIX of 40 or
less. The ten hardest are printed (`pytest -s tests/test_plain_swedish.py`); a failure lists every one over."""

from __future__ import annotations

from bot.catalogs import read_catalog
from bot.i18n import LOCALE_DIR
from bot.readability import lix, sentences, words

LIMIT = 40


def scored_messages() -> list[tuple[float, str]]:
    catalog = read_catalog(LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po")
    found = []
    for message in catalog:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            if len(words(text)) >= 8 and sentences(text) > 1:  # one sentence or a few words: exempt
                found.append((lix(text), text))
    return sorted(found, reverse=True)


def test_every_swedish_message_reads_plainly():
    scored = scored_messages()
    assert len(scored) > 50  # the rule covers the longer messages, not a handful
    print(f"\n{len(scored)} Swedish messages measured; the hardest:")
    for score, text in scored[:10]:
        print(f"  {score:4.1f}  {text[:110]!r}")
    too_hard = [f"{score:.0f}  {text!r}" for score, text in scored if score > LIMIT]
    assert not too_hard, f"LIX above {LIMIT}:\n" + "\n".join(too_hard)


def test_lix_counts_list_lines_as_units_and_long_words():
    assert lix("Jag kan. Du ser.") == 2 / 1 + 0  # two words a sentence, no word over six letters
    assert round(lix("Kompetensutveckling underlättar omställningen.")) == 3 + 100
    assert sentences("/menu – huvudmeny\n/help – hjälpen") == 2
