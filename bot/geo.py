"""Swedish counties and municipalities (SCB codes, `data/geo/`) and reading a place name as people write it.

"Luleå", "luleås", "lulea", "Luleå kommun", "gbg", "Skåne", "Norrbottens län" all resolve to codes; a region
name such as "Småland" resolves to its counties. A municipality belongs to one county: "near" means the same
municipality first, then the same county.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.config import PROJECT_ROOT

GEO_DIR = PROJECT_ROOT / "data" / "geo"


@dataclass(frozen=True)
class Place:
    name: str  # as shown: "Luleå", "Norrbottens län", "Småland"
    municipalities: tuple[str, ...] = ()  # 4-digit codes
    counties: tuple[str, ...] = ()  # 2-digit codes: the counties the place lies in

    @property
    def is_municipality(self) -> bool:
        return len(self.municipalities) == 1


@dataclass(frozen=True)
class Geo:
    municipality_names: dict[str, str]  # code → short name
    county_names: dict[str, str]  # code → full name ("Norrbottens län")
    county_of: dict[str, str]  # municipality code → county code
    by_name: dict[str, Place]  # folded name → place

    def find(self, text: str | None) -> Place | None:
        """The place a name means, or None. Tries the name, then without a trailing genitive or case ending."""
        key = _fold(text or "")
        for suffix in (" kommun", " stad", " län", " lan"):
            key = key.removesuffix(suffix)
        for cut in range(0, 4):
            candidate = key[: len(key) - cut] if cut else key
            if len(candidate) >= 3 and candidate in self.by_name:
                return self.by_name[candidate]
        return None

    def municipality(self, code: str) -> Place:
        return Place(self.municipality_names[code], (code,), (self.county_of[code],))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@lru_cache(maxsize=1)
def geo() -> Geo:
    with (GEO_DIR / "counties.csv").open(encoding="utf-8") as handle:
        counties = list(csv.DictReader(handle))
    with (GEO_DIR / "municipalities.csv").open(encoding="utf-8") as handle:
        municipalities = list(csv.DictReader(handle))
    county_names = {row["county_code"]: row["county_name"] for row in counties}
    by_name: dict[str, Place] = {}
    for row in counties:
        place = Place(row["county_name"], counties=(row["county_code"],))
        for name in (row["county_name"], row["county_name_short"], row["county_name"].removesuffix(" län")):
            by_name.setdefault(_fold(name), place)
    for row in municipalities:  # a municipality wins over a county of the same short name ("Stockholm")
        place = Place(row["municipality_name_short"], (row["municipality_code"],), (row["county_code"],))
        for name in (row["municipality_name"], row["municipality_name_short"]):
            by_name[_fold(name)] = place
    aliases = yaml.safe_load((GEO_DIR / "aliases.yml").read_text(encoding="utf-8")) or {}
    county_of = {row["municipality_code"]: row["county_code"] for row in municipalities}
    short = {row["municipality_code"]: row["municipality_name_short"] for row in municipalities}
    for alias, codes in aliases.items():
        munis = tuple(c for c in codes if len(c) == 4)
        found_counties = tuple(sorted({county_of[c] for c in munis} | {c for c in codes if len(c) == 2}))
        name = short[munis[0]] if len(munis) == 1 and not any(len(c) == 2 for c in codes) else str(alias).title()
        by_name[_fold(str(alias))] = Place(name, munis, found_counties)
    return Geo(short, county_names, county_of, by_name)
