"""The course catalog on both engines: EMIL 3 files, the live API (the local stand-in), CSV lists, the demo
catalog; idempotent re-imports, rejected records alone, removals, and a search that stems Swedish words."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.courses import catalog, text
from bot.courses.catalog import CatalogError, SusaNavetClient
from bot.store import courses
from bot.store.courses import CourseFilter
from bot.store.models import CatalogSync, CourseEvent, CourseTopic, utcnow
from tests.auxil.catalog import document, event, write
from tests.auxil.susanavet import SusaNavet

TODAY = date.today()


def titles(store, wanted: CourseFilter) -> list[str]:
    with store.session() as session:
        return [e.title for e in courses.search(session, wanted, today=TODAY, limit=50).events]


def words(query: str) -> CourseFilter:
    return CourseFilter(words=tuple(text.query_terms(query)))


def small_catalog(tmp_path):
    return write(tmp_path / "catalog.json", [
        event("e.1", "Svetsning enligt EN ISO 9606-1"),
        event("e.2", "Underhållsteknik – förebyggande underhåll", area_code="1480", town="Göteborg"),
        event("e.3", "Energieffektivisering i industrin", area_code=None, town=None, distance=True),
        event("e.4", "MIG-svetsning, fortsättning", cancelled=True),
        event("e.5", "Robotsvetsning", start_in_days=-3),  # already started
        {"id": "e.bad.1", "content": {"identifier": "e.bad.1", "execution": {"start": "snart"},
                                      "title": {"strings": [{"lang": "swe", "content": "Trasig"}]}}},
        {"id": "e.bad.2", "content": {"identifier": "e.bad.2", "execution": {"start": "2027-01-10"},
                                      "locations": [{"areaCode": "9999"}],
                                      "title": {"strings": [{"lang": "swe", "content": "Okänd ort"}]}}},
    ])


def test_an_emil3_file_imports_once_and_rejects_bad_records_alone(store, tmp_path):
    path = small_catalog(tmp_path)
    first = catalog.import_emil3_file(store, path)
    assert (first.added, first.updated, first.removed) == (5, 0, 0)
    assert {r.identifier: r.reason for r in first.rejected} == {
        "e.bad.1": "execution.start is not a date ('snart')", "e.bad.2": "has an unknown municipality code '9999'"}
    again = catalog.import_emil3_file(store, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)  # idempotent
    with store.session() as session:
        assert len(session.exec(select(CourseEvent)).all()) == 5
        welding = session.exec(select(CourseEvent).where(CourseEvent.identifier == "e.1")).one()
        assert (welding.municipality_code, welding.county_code, welding.study_mode) == ("2580", "25", "on_site")
        topics = session.exec(select(CourseTopic.topic).where(CourseTopic.event_id == welding.id)).all()
        assert topics == ["welding"]
        assert len(session.exec(select(CatalogSync)).all()) == 2


def test_cancelled_started_expired_and_removed_occasions_leave_the_search(store, tmp_path):
    path = small_catalog(tmp_path)
    catalog.import_emil3_file(store, path)
    assert titles(store, words("svetsning")) == ["Svetsning enligt EN ISO 9606-1"]  # not cancelled or started
    data = json.loads(path.read_text())
    data["educationEvents"] = [e for e in data["educationEvents"] if e["id"] != "e.2"]  # removed at the source
    data["educationEvents"][0]["content"]["expires"] = (TODAY - timedelta(days=1)).isoformat() + "T00:00:00"
    path.write_text(json.dumps(data))
    summary = catalog.import_emil3_file(store, path)
    assert summary.removed == 1 and summary.updated == 1
    assert titles(store, CourseFilter()) == ["Energieffektivisering i industrin"]


@pytest.mark.parametrize("query", ["svetsa", "svetsning", "svetskurs", "Svetsningen", "SVETS"])
def test_swedish_word_forms_find_the_same_courses(store, tmp_path, query):
    catalog.import_emil3_file(store, write(tmp_path / "c.json", [
        event("w.1", "Svetsning enligt EN ISO 9606-1"), event("w.2", "Svetsteknik för industrin"),
        event("w.3", "Grundkurs svetsare, TIG"), event("o.1", "Energieffektivisering i industrin")]))
    assert sorted(titles(store, words(query))) == ["Grundkurs svetsare, TIG", "Svetsning enligt EN ISO 9606-1",
                                                    "Svetsteknik för industrin"]


def test_filters_place_distance_pace_start_and_open_application(store, tmp_path):
    catalog.import_emil3_file(store, write(tmp_path / "c.json", [
        event("p.1", "Underhåll Luleå", start_in_days=200),
        event("p.2", "Underhåll Kiruna", area_code="2584", town="Kiruna", pace=100),
        event("p.3", "Underhåll Göteborg", area_code="1480", town="Göteborg"),
        event("p.4", "Underhåll på distans", area_code=None, town=None, distance=True, apply_days_left=-2),
    ]))
    assert titles(store, CourseFilter(municipality="2584")) == ["Underhåll Kiruna", "Underhåll Luleå",
                                                               "Underhåll på distans"]  # here, county, distance
    assert titles(store, CourseFilter(counties=("14",))) == ["Underhåll Göteborg", "Underhåll på distans"]
    assert titles(store, CourseFilter(distance_only=True)) == ["Underhåll på distans"]
    assert "Underhåll Kiruna" not in titles(store, CourseFilter(part_time=True))
    assert "Underhåll Luleå" not in titles(store, CourseFilter(starting_within_days=92))
    assert "Underhåll på distans" not in titles(store, CourseFilter(open_now=True))


def test_the_demo_catalog_covers_every_county_and_topic(store):
    summary = catalog.import_demo(store)
    assert summary.added >= 200 and not summary.rejected
    with store.session() as session:
        found = courses.search(session, CourseFilter(), today=TODAY, limit=1)
        assert found.many  # counting stops after COUNT_CAP
        visible = session.exec(select(CourseEvent).where(courses.visible(TODAY, utcnow()))).all()
        assert len(visible) >= 200
        counties = set(session.exec(select(CourseEvent.county_code)).all()) - {None}
        assert len(counties) == 21
        topics = set(session.exec(select(CourseTopic.topic)).all())
        assert len(topics) == 16
        modes = set(session.exec(select(CourseEvent.study_mode)).all())
        assert modes == {"distance", "on_site", "mixed"}
        assert min(session.exec(select(CourseEvent.starts_on)).all()) > TODAY


def test_the_demo_is_moved_to_lie_ahead_of_the_day_it_is_loaded(store):
    later = TODAY + timedelta(days=800)
    catalog.import_demo(store, today=later)
    with store.session() as session:
        starts = session.exec(select(CourseEvent.starts_on)).all()
    assert min(starts) >= later + timedelta(days=catalog.DEMO_LEAD_DAYS)
    assert all(day.weekday() == 0 for day in starts)  # the demo's Mondays stay Mondays


def test_a_csv_list_with_broken_rows(store, tmp_path):
    path = tmp_path / "erbjudanden.csv"
    start = (TODAY + timedelta(days=40)).isoformat()
    path.write_text(
        "id;title;provider;municipality;study_mode;start;end;apply_until;application_url;topics\n"
        f"1;Truckkort och säkert arbete;Lernia;Luleå;on_site;{start};;;https://example.se/1;safety\n"
        f"2;Energikartläggning;Region Norrbotten;;distance;{start};;;;\n"
        f"3;Fel datum;Lernia;Luleå;on_site;nästa vecka;;;;\n"
        f"4;Okänd ort;Lernia;Atlantis;on_site;{start};;;;\n"
        f"5;Fel ämne;Lernia;;distance;{start};;;;cooking\n", encoding="utf-8")
    summary = catalog.import_csv_file(store, path)
    assert summary.added == 2
    assert [r.reason for r in summary.rejected] == [
        "line 4: 'start' is not a date (YYYY-MM-DD): 'nästa vecka'",
        "line 5: 'municipality' is not a Swedish municipality: 'Atlantis'",
        "line 6: unknown course topic(s) cooking"]
    assert titles(store, CourseFilter(topics=("energy",))) == ["Energikartläggning"]  # tagged from its title
    assert titles(store, CourseFilter(topics=("safety",))) == ["Truckkort och säkert arbete"]  # as given


def test_a_csv_without_the_needed_columns_changes_nothing(store, tmp_path):
    path = tmp_path / "fel.csv"
    path.write_text("namn,datum\nx,y\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="lacks the column"):
        catalog.import_csv_file(store, path)


@pytest.fixture
def api(tmp_path):
    with SusaNavet() as server:
        for item in document([event(f"e.api.{n:03d}", f"Svetsning grupp {n}") for n in range(1, 1201)])[
                "educationEvents"]:
            server.put("educationEvents", item["content"])
        server.put("educationInfos", document([])["educationInfos"][0]["content"])
        server.put("educationProviders", document([])["educationProviders"][0]["content"])
        yield server


def test_the_live_api_is_read_page_by_page_and_synced_incrementally(store, api):
    client = SusaNavetClient(api.url, wait=0.01)
    first = catalog.sync_api(store, client)
    assert first.added == 1200 and not first.rejected
    event_pages = [q for path, q in api.requests if path.endswith("/educationEvents")]
    assert [q["page"] for q in event_pages] == ["0", "1", "2"] and all(q["schoolType"] == "YH" for q in event_pages)
    api.requests.clear()
    changed = dict(api.resources["educationEvents"]["e.api.002"]["content"], lastEdited="2099-01-01T00:00:00")
    changed["title"] = {"strings": [{"lang": "swe", "content": "Svetsning grupp 2, ny lärare"}]}
    api.put("educationEvents", changed)
    api.remove("educationEvents", "e.api.003", at="2099-01-01T00:00:00")
    second = catalog.sync_api(store, client)
    lists = [q for path, q in api.requests if path.rsplit("/", 1)[-1] in catalog.KINDS]
    assert len(lists) == 3 and all("updatedSince" in q for q in lists)
    # the changed occasion's course was not among the changes: it is fetched on its own
    assert any(path.endswith("/educationInfos/i.test.1") for path, _q in api.requests)
    assert (second.added, second.updated, second.removed) == (0, 1, 1)
    assert "Svetsning grupp 3" not in titles(store, words("grupp"))


def test_a_503_is_retried_and_a_sync_that_cannot_finish_changes_nothing(store, api):
    api.fail_next(503, count=2, kind="educationEvents", page=1)
    summary = catalog.sync_api(store, SusaNavetClient(api.url, wait=0.01))
    assert summary.added == 1200
    api.put("educationEvents", event("e.api.new", "Ny svetskurs")["content"] | {"lastEdited": "2099-01-01T00:00:00"})
    api.set_updating(True)
    with pytest.raises(CatalogError, match="503, also after 5 retries; nothing was changed"):
        catalog.sync_api(store, SusaNavetClient(api.url, wait=0.001), full=True)
    with store.session() as session:
        assert len(session.exec(select(CourseEvent)).all()) == 1200
        assert len(session.exec(select(CatalogSync)).all()) == 1
