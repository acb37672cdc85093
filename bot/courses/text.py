"""Search terms for course texts: the same words on SQLite and PostgreSQL through one code path.

A course's texts become stems stored as rows (course_id, term) with an index on term; a query word matches
every term that starts with its stem: `term >= stem AND term < prefix_end(stem)`, an index range scan on both
engines (on PostgreSQL the column needs a binary order: COLLATE "C" or text_pattern_ops).
`stem` is a LIGHT Swedish stemmer for that prefix match, not a full Snowball stemmer: it strips trailing course
heads ("svetskurs" -> "svets"), then a long genitive/compound "s", then suffixes, longest first and repeatedly,
while 3 letters (4 before "ion" or a 1-2 letter suffix) remain. Words of at most 4 letters stay, but an
infinitive "-a" goes ("mäta" -> "mät"); numbers, acronyms and other scripts stay as they are. Stems may be
over-short ("hållbar" -> "hållb"): what matters is that a query word's stem is a prefix of its forms' stems.
"""

from __future__ import annotations

import re
import sys
import unicodedata

MAX_TERM = 40
_KEEP = {"a\u030a", "a\u0308", "o\u0308"}  # å ä ö are letters of their own in Swedish
_NORDIC = str.maketrans({"ø": "ö", "æ": "ä", "ł": "l", "đ": "d", "ı": "i"})  # no decomposition to a base
_SWEDISH = re.compile(r"[a-zåäö]+")
_VOWELS = set("aeiouyåäö")
_NO_GENITIVE_BEFORE = _VOWELS | set("sxz")
_HEADS = tuple(sorted(("kurs", "kurser", "kursen", "kurserna", "utbildning", "utbildningen", "utbildningar",
                       "utbildningarna", "grund", "fortsättning"), key=len, reverse=True))
_SUFFIXES = tuple(sorted((
    "ningarna", "ningar", "ningen", "ning", "ingarna", "ingar", "ingen", "ing", "erade", "erad", "erat",
    "arna", "erna", "orna", "heten", "het", "andet", "ande", "ende", "are", "arens", "aren",
    "ion", "ar", "er", "or", "is", "en", "et", "na", "a", "e"), key=len, reverse=True))
_S_ROOTS = ("svets", "plats", "puls", "kurs", "ans", "ens")  # words whose final "s" is not a genitive

_STOPWORD_TEXT = """
    och i på för med en ett att det den de som av till om är var vad hur när vilken vilka vilket
    kan ska vill jag mig min mitt mina du vi man har inte men eller så också från efter hos inom vid åt
    alla bara gärna tack hej kurs kurser kursen kurserna kursens utbildning utbildningen utbildningar
    utbildningarna yh finns nån någon något några söka söker sök hitta hittar letar behöver lära nära
    the a an and or of to in on at by for from with about is are any some my me what where how
    course courses training education near find search looking want
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())  # Swedish and English function words and search filler


def fold(text: str) -> str:
    """Casefolded NFKC text without zero-width/bidi controls; accents off Latin letters except å ä ö."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).translate(_NORDIC)
    out: list[str] = []
    latin = False
    for ch in unicodedata.normalize("NFD", text):
        if not unicodedata.category(ch).startswith("M"):
            out.append(ch)
            latin = "a" <= ch <= "z"
        elif not latin or out[-1] + ch in _KEEP:
            out.append(ch)  # a mark of another script, or the ring/dots of å ä ö
    return unicodedata.normalize("NFC", "".join(out))


def tokens(text: str) -> list[str]:
    """Runs of letters and digits of the folded text; everything else (hyphens, slashes, punctuation) splits."""
    kept = (ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " " for ch in fold(text))
    return "".join(kept).split()


def stem(word: str) -> str:
    """A light Swedish stem of one folded token, for prefix matching (see the module docstring)."""
    if not _SWEDISH.fullmatch(word):
        return word  # numbers, "s7", other scripts
    if len(word) <= 4:
        return word[:3] if len(word) == 4 and word[3] == "a" and word[2] not in _VOWELS else word
    stripped = True
    while stripped:  # trailing compound heads: "svetsgrundkurs" -> "svets"
        stripped = False
        for head in _HEADS:
            if word.endswith(head) and len(word) - len(head) >= 4:
                word, stripped = word[:-len(head)], True
                break
    if len(word) >= 6 and word[-1] == "s" and word[-2] not in _NO_GENITIVE_BEFORE and not word.endswith(_S_ROOTS):
        word = word[:-1]  # "kvalitets" -> "kvalitet", "underhålls" -> "underhåll"
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            rest = len(word) - len(suffix)
            if word.endswith(suffix) and rest >= (4 if len(suffix) <= 2 or suffix == "ion" else 3):
                if suffix == "et" and word[-3] == "t":
                    continue  # "kvalitet", "elektricitet": the -et is part of the word
                word, stripped = word[:rest], True
                break
    return word


def _stems(text: str) -> list[str]:
    return [stem(token)[:MAX_TERM] for token in tokens(text) if token not in STOPWORDS]


def terms(text: str) -> set[str]:
    """The search terms to index for a course text."""
    return {term for term in _stems(text) if len(term) >= 2}


def query_terms(text: str) -> list[str]:
    """The terms of a search query, in order and once each; 2-letter stems are too broad unless with a digit ("3d")."""
    found: list[str] = []
    for term in _stems(text):
        if (len(term) >= 3 or (len(term) == 2 and any(ch.isdigit() for ch in term))) and term not in found:
            found.append(term)
    return found


def prefix_end(stem: str) -> str:
    """The exclusive upper bound of the terms starting with `stem`: its last character plus one ("svets" -> "svett").

    A last character U+10FFFF has no successor; it is dropped and the one before it is raised instead, skipping
    the surrogates (which UTF-8 cannot store). A stem of only U+10FFFF characters has no bound: ValueError.
    """
    text = stem
    while text and ord(text[-1]) == sys.maxunicode:
        text = text[:-1]
    if not text:
        raise ValueError(f"no prefix upper bound for {stem!r}")
    code = ord(text[-1]) + 1
    return text[:-1] + chr(0xE000 if 0xD800 <= code <= 0xDFFF else code)
