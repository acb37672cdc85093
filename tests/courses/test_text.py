"""Search terms of course texts: folding, tokens, the light Swedish stemmer, stopwords and prefix ranges."""

from __future__ import annotations

import sys

import pytest

from bot.courses.text import (
    STOPWORDS,
    fold,
    prefix_end,
    query_terms,
    stem,
    terms,
    tokens,
)


def prefix_matches(query: str, indexed: set[str]) -> bool:
    """What the database does: every query term hits an indexed term inside [stem, prefix_end(stem))."""
    wanted = query_terms(query)
    return bool(wanted) and all(any(q <= t < prefix_end(q) for t in indexed) for q in wanted)


# ---- folding and tokens ----

def test_fold_and_tokens_of_a_title():
    assert tokens("Svetsning – ÉN ISO 9606-1") == ["svetsning", "en", "iso", "9606", "1"]


@pytest.mark.parametrize(("raw", "folded"), [
    ("ÅÄÖ åäö", "åäö åäö"),
    ("A\u030aA\u0308O\u0308", "åäö"),  # decomposed å ä ö stay Swedish letters
    ("Idé Café Müller Señor Façade", "ide cafe muller senor facade"),
    ("ǕŁØÆ", "ulöä"),
    ("ﬁlter ＣＮＣ ²", "filter cnc 2"),  # NFKC: ligatures, full width, superscripts
    ("svets\u00adning", "svetsning"),  # soft hyphen
    ("svets\u200bning\u200d\ufeff", "svetsning"),  # zero-width characters
    ("\u202ePLC\u202c \u200fiso\u200e \u2066lca\u2069", "plc iso lca"),  # bidi controls
    ("STRASSE Straße", "strasse strasse"),
])
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_fold_keeps_marks_of_other_scripts():
    assert fold("हिंदी") == "हिंदी"
    assert tokens("हिंदी कोर्स") == ["हिंदी", "कोर्स"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("CNC/PLC-programmering", ["cnc", "plc", "programmering"]),
    ("Livscykelanalys (LCA) för produkter.", ["livscykelanalys", "lca", "för", "produkter"]),
    ("ISO 9001:2015, steg 1–2", ["iso", "9001", "2015", "steg", "1", "2"]),
    ("el_teknik & Lean!", ["el", "teknik", "lean"]),
    ("", []),
])
def test_tokens(raw, expected):
    assert tokens(raw) == expected


# ---- the stemmer ----

@pytest.mark.parametrize("word", ["svetsa", "svetsning", "svetsningen", "svetsare", "svetsar", "svetskurs",
                                  "svetskurser", "svetsutbildning", "svetsarna", "svetsaren"])
def test_welding_words_stem_to_svets(word):
    assert stem(word) == "svets"


@pytest.mark.parametrize(("query", "words"), [
    ("underhåll", ["underhåll", "underhållet", "underhållsteknik"]),
    ("energi", ["energi", "energieffektivisering"]),
    ("robot", ["robot", "robotar", "robotprogrammering"]),
    ("kvalitet", ["kvalitet", "kvaliteten", "kvalitetsteknik", "kvalitetssäkring"]),
    ("mät", ["mätteknik", "mätning", "mäta", "mätare"]),
    ("löd", ["lödning", "löda"]),
    ("automat", ["automation", "automatisering", "automatiserad", "automatiserade"]),
    ("hydraulik", ["hydraulik"]),
])
def test_stems_start_with_the_shared_prefix(query, words):
    for word in words:
        assert stem(word).startswith(query), (word, stem(word))


@pytest.mark.parametrize(("word", "expected"), [
    ("underhåll", "underhåll"),
    ("underhållet", "underhåll"),
    ("kvalitet", "kvalitet"),
    ("kvaliteten", "kvalitet"),
    ("kvalitets", "kvalitet"),
    ("mätning", "mät"),
    ("mäta", "mät"),
    ("lödning", "löd"),
    ("löda", "löd"),
    ("robotar", "robot"),
    ("energi", "energi"),
    ("hydraulik", "hydraulik"),
    ("automation", "automat"),
    ("automatisering", "automat"),
    ("automatiserad", "automat"),
    ("produktionen", "produkt"),
    ("elektricitet", "elektricitet"),
    ("toleranser", "tolerans"),
    ("robotsvetsutbildning", "robotsvets"),  # the s of "svets" is not a genitive
    ("arbetsplatsen", "arbetsplats"),
])
def test_stem(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize(("query", "indexed"), [
    ("svetsa", "svetsutbildning"), ("svetsning", "svetskurser"), ("svetsare", "svetsningen"),
    ("underhåll", "underhållsteknik"), ("underhållet", "underhåll"),
    ("energi", "energieffektivisering"), ("robot", "robotprogrammering"), ("robotar", "robotar"),
    ("kvalitet", "kvalitetsteknik"), ("kvaliteten", "kvalitet"), ("kvalitet", "kvaliteten"),
    ("mäta", "mätteknik"), ("mätning", "mäta"), ("löda", "lödning"),
    ("automat", "automation"), ("automat", "automatisering"), ("automatisera", "automatiserad"),
    ("automation", "automatiserad"), ("hydraulik", "hydraulik"), ("programmera", "programmering"),
    ("digital", "digitalisering"),
])
def test_query_word_prefix_matches_indexed_word(query, indexed):
    assert prefix_matches(query, terms(indexed))


@pytest.mark.parametrize("word", ["iso", "cnc", "plc", "lca", "9606", "2015", "s7", "el", "lean", "olje", "för"])
def test_short_words_numbers_and_acronyms_stay(word):
    assert stem(word) == word


def test_stem_leaves_other_scripts_alone():
    assert stem("لحام") == "لحام"
    assert stem("сварка") == "сварка"


def test_short_words_are_not_over_stemmed():
    assert stem("kurs") == "kurs"
    assert stem("svets") == "svets"
    assert stem("lager") == "lager"
    assert stem("motor") == "motor"
    assert stem("konkurs") == "konkurs"  # "kurs" is only a course head when 4 letters or more stay
    assert stem("analys") == "analys"


# ---- stopwords, terms and query terms ----

@pytest.mark.parametrize("word", ["och", "i", "på", "för", "med", "en", "ett", "att", "det", "som", "av", "till",
                                  "om", "kurs", "kurser", "kursen", "utbildning", "utbildningar", "yh", "finns",
                                  "nån", "någon", "något", "jag", "vill", "söka", "hitta", "the", "a", "an", "in",
                                  "on", "for", "course", "courses", "near"])
def test_stopwords(word):
    assert word in STOPWORDS
    assert terms(word) == set()
    assert query_terms(word) == []


def test_stopwords_are_folded_words():
    assert 60 <= len(STOPWORDS) <= 110
    assert all(fold(word) == word and tokens(word) == [word] for word in STOPWORDS)


def test_terms_of_a_title():
    assert terms("Svetsning – ÉN ISO 9606-1") == {"svets", "iso", "9606"}
    assert terms("Kurs i svetsning för nybörjare") == {"svets", "nybörj"}


def test_terms_are_at_most_40_characters():
    long_word = "a" * 30 + "b" * 30
    assert terms(long_word) == {long_word[:40]}
    assert query_terms(long_word) == [long_word[:40]]


def test_query_terms_keep_order_and_drop_duplicates_and_filler():
    assert query_terms("Jag vill hitta en kurs i svetsning, svetsa och CNC nära Göteborg") == [
        "svets", "cnc", "göteborg"]
    assert query_terms("PLC plc Plc-programmering") == ["plc", "programm"]


def test_query_terms_drop_short_stems_but_keep_those_with_digits():
    assert query_terms("el ab 12 1 ISO 9606-1 3D") == ["12", "iso", "9606", "3d"]
    assert terms("el ab 12 1") == {"el", "ab", "12"}


# ---- prefix ranges ----

@pytest.mark.parametrize(("stem_", "end"), [
    ("svets", "svett"), ("a", "b"), ("underhåll", "underhålm"), ("mät", "mäu"), ("9606", "9607"),
    ("z", "{"), ("ö", "÷"), ("a\U0010ffff", "b"), ("ab\U0010ffff\U0010ffff", "ac"), ("x\ud7ff", "x\ue000"),
])
def test_prefix_end(stem_, end):
    assert prefix_end(stem_) == end
    assert stem_ < end


def test_prefix_end_bounds_exactly_the_words_with_the_prefix():
    words = ["svet", "svets", "svetsa", "svets\U0010ffff", "svetsö", "svett", "svetta", "svetr", "sveu"]
    inside = [w for w in words if "svets" <= w < prefix_end("svets")]
    assert inside == [w for w in words if w.startswith("svets")]


@pytest.mark.parametrize("stem_", ["", "\U0010ffff", "\U0010ffff" * 3])
def test_prefix_end_without_a_bound(stem_):
    with pytest.raises(ValueError):
        prefix_end(stem_)


def test_prefix_end_utf8_order_matches_code_point_order():
    """SQLite (BINARY) and PostgreSQL (COLLATE "C") compare UTF-8 bytes, which order like code points."""
    for stem_ in ["svets", "mät", "a" + chr(0xFFFF), "a" + chr(sys.maxunicode - 1)]:
        end = prefix_end(stem_)
        assert stem_.encode() < end.encode()
        assert (stem_ + "zz").encode() < end.encode()


# ---- realistic course titles ----

TITLES = [
    ("Svetsning enligt EN ISO 9606-1", "svetsa"),
    ("Energieffektivisering i industrin", "energi"),
    ("Underhållsteknik – förebyggande underhåll", "underhåll"),
    ("Robotprogrammering för operatörer", "robot"),
    ("Livscykelanalys (LCA) för produkter", "lca"),
    ("Ritningsläsning och toleranser", "ritning"),
    ("Lean produktion i praktiken", "lean"),
    ("Kvalitetsteknik och mätning", "kvalitet"),
    ("Svenska för industrin", "svenska"),
    ("Arbetsledning i produktion", "arbetsledare"),
    ("MIG/MAG-svetsning grund", "svetsare"),
    ("TIG-svetsning i rostfritt stål", "rostfri"),
    ("CNC-svarvning och fräsning", "cnc"),
    ("PLC-programmering med Siemens S7", "plc"),
    ("Hydraulik och pneumatik för underhållspersonal", "hydraulik"),
    ("Mätteknik och kalibrering", "mäta"),
    ("Lödning av elektronik enligt IPC", "löda"),
    ("Automation och industriell IT", "automatisering"),
    ("Truckförarutbildning A och B", "truckförare"),
    ("Heta arbeten – certifiering", "heta arbeten"),
    ("Elsäkerhet vid arbete (ESA)", "elsäkerhet"),
    ("Kvalitetsledning enligt ISO 9001:2015", "iso 9001"),
    ("Miljöledning och ISO 14001", "miljö"),
    ("Arbetsmiljö och säkerhet i produktionen", "arbetsmiljö"),
    ("Första hjälpen och HLR", "hlr"),
    ("Ledarskap för nya chefer", "ledarskap"),
    ("Grundläggande elteknik", "elteknik"),
    ("Industriell ekonomi och kalkylering", "ekonomi"),
    ("Additiv tillverkning – 3D-skrivare i industrin", "3d"),
    ("Kompetensutveckling inom tillverkningsindustrin", "kompetens"),
    ("Robotsvetsning för operatörer", "robotsvetsning"),
    ("Smörjteknik och tillståndsbaserat underhåll", "underhållet"),
    ("Produktionsteknik och produktionsplanering", "produktion"),
    ("Materialkunskap: stål och aluminium", "material"),
    ("Plåtbearbetning och bockning", "plåt"),
    ("Elektriker – fortsättningskurs", "elektriker"),
    ("Traverskörning och lyft", "traverser"),
    ("Digitalisering i tillverkande företag", "digitalisera"),
    ("Cirkulär ekonomi och hållbar produktion", "hållbarhet"),
    ("Yrkessvenska för svetsare", "svetsning"),
]


def test_there_are_40_titles():
    assert len(TITLES) == 40


@pytest.mark.parametrize(("title", "query"), TITLES)
def test_title_terms_are_sound_and_found_by_a_key_word(title, query):
    indexed = terms(title)
    assert indexed
    assert all(term and len(term) <= 40 and term not in STOPWORDS for term in indexed)
    assert prefix_matches(query, indexed), (query, query_terms(query), sorted(indexed))


@pytest.mark.parametrize(("title", "query"), TITLES)
def test_a_title_finds_itself(title, query):
    assert prefix_matches(title, terms(title)) or not query_terms(title)
