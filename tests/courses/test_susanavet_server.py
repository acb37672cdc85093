"""The Susa-navet stand-in (tests/auxil/susanavet.py) behaves like the EMIL 3 API the course importer reads."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.auxil.susanavet import SusaNavet


def info(n: int, *, school_type: str = "YH", edited: str = "2025-01-01T08:00:00") -> dict:
    return {"identifier": f"i.yh.{n:03}", "code": f"K{n}", "lastEdited": edited,
            "title": {"strings": [{"lang": "swe", "content": f"Kurs {n}"}]},
            "type": {"type": "C_SchoolType", "code": school_type}}


def event(n: int, education: str, provider: str = "p.yh.norr") -> dict:
    return {"identifier": f"e.yh.{n:03}", "education": education, "providers": [provider],
            "lastEdited": "2025-01-01T08:00:00", "expires": "2026-06-30T00:00:00",
            "execution": {"start": "2026-02-02", "end": "2026-05-29"}}


@pytest.fixture
def api():
    with SusaNavet() as server:
        yield server


@pytest.fixture
def http(api):
    with httpx.Client(base_url=api.url, timeout=10) as client:
        yield client


def assert_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"timestamp", "status", "type", "message"} and body["status"] == status
    return body


def test_url_and_api_info(api, http):
    assert api.url.startswith("http://127.0.0.1:") and api.url.endswith("/susa-navet/emil3")
    body = http.get("/api-info").json()
    assert body["apiVersion"] == "3.0.2" and "apiStatus" in body


def test_paging_follows_next_links_to_the_last_page(api, http):
    for n in (5, 3, 1, 4, 2):
        api.put("educationInfos", info(n))
    first = http.get("/educationInfos", params={"schoolType": "YH", "size": 2}).json()
    assert first["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "pageNumber": 0}
    assert [item["id"] for item in first["educationInfos"]] == ["i.yh.001", "i.yh.002"]
    assert first["educationInfos"][0] == {"id": "i.yh.001", "status": "ACTIVE", "content": info(1)}

    seen, pages, body = [], [], first
    while True:
        seen += [item["id"] for item in body["educationInfos"]]
        pages.append(body["page"]["pageNumber"])
        nexts = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if not nexts:
            break
        assert nexts[0].startswith(api.url + "/educationInfos?") and "schoolType=YH" in nexts[0]
        body = httpx.get(nexts[0]).json()
    assert pages == [0, 1, 2] and seen == [f"i.yh.{n:03}" for n in range(1, 6)]
    assert body["links"] == [] and len(body["educationInfos"]) == 1

    beyond = http.get("/educationInfos", params={"size": 2, "page": 7}).json()
    assert beyond["educationInfos"] == [] and beyond["links"] == [] and beyond["page"]["totalElements"] == 5
    empty = http.get("/educationEvents").json()
    assert empty["educationEvents"] == [] and empty["page"] == {
        "size": 100, "totalElements": 0, "totalPages": 0, "pageNumber": 0}


@pytest.mark.parametrize("params", [{"size": 0}, {"size": 2001}, {"size": "many"}, {"page": -1},
                                    {"updatedSince": "yesterday"}])
def test_bad_query_is_400(http, params):
    assert_error(http.get("/educationEvents", params=params), 400)


def test_size_limits_are_inclusive(api, http):
    for n in range(3):
        api.put("educationInfos", info(n))
    assert http.get("/educationInfos", params={"size": 1}).json()["page"]["totalPages"] == 3
    body = http.get("/educationInfos", params={"size": 2000}).json()
    assert len(body["educationInfos"]) == 3 and body["page"]["totalPages"] == 1


def test_updated_since_reports_changes_and_removals(api, http):
    for n in range(1, 4):
        api.put("educationInfos", info(n))
    api.put("educationInfos", info(2, edited="2025-05-10T12:00:00"))  # changed
    api.put("educationInfos", info(4, edited="2025-05-01T00:00:00"))  # new
    api.remove("educationInfos", "i.yh.003", at="2025-05-20T09:30:00")

    full = http.get("/educationInfos").json()
    assert [item["id"] for item in full["educationInfos"]] == ["i.yh.001", "i.yh.002", "i.yh.004"]

    delta = http.get("/educationInfos", params={"updatedSince": "2025-05-01"}).json()["educationInfos"]
    assert [item["id"] for item in delta] == ["i.yh.002", "i.yh.003", "i.yh.004"]
    assert delta[1] == {"id": "i.yh.003", "status": "REMOVED"}
    assert delta[0]["content"]["lastEdited"] == "2025-05-10T12:00:00"

    later = http.get("/educationInfos", params={"updatedSince": "2025-05-10T12:00:01"}).json()
    assert later["educationInfos"] == [{"id": "i.yh.003", "status": "REMOVED"}]
    assert later["page"]["totalElements"] == 1

    api.remove("educationInfos", "i.yh.001")  # now
    today = time.strftime("%Y-%m-%d")
    assert http.get("/educationInfos", params={"updatedSince": today}).json()["educationInfos"] == [
        {"id": "i.yh.001", "status": "REMOVED"}]


def test_one_resource_and_404s(api, http):
    api.put("educationProviders", {"identifier": "p.yh.norr", "name": {"strings": []}})
    one = http.get("/educationProviders/p.yh.norr").json()
    assert one["id"] == "p.yh.norr" and one["content"]["name"] == {"strings": []}
    assert "lastEdited" in one["content"]  # set to now when the content has none
    assert "p.yh.saknas" in assert_error(http.get("/educationProviders/p.yh.saknas"), 404)["message"]
    api.remove("educationProviders", "p.yh.norr")
    assert_error(http.get("/educationProviders/p.yh.norr"), 404)
    assert_error(http.get("/educationThings"), 404)
    assert_error(http.get(api.url.replace("/emil3", "/emil2") + "/educationEvents"), 404)


def test_injected_503_then_success(api, http):
    for n in range(3):
        api.put("educationInfos", info(n))
    api.fail_next(503, count=2, kind="educationInfos", page=1)
    assert http.get("/educationInfos", params={"size": 2}).status_code == 200  # page 0 is not affected
    assert http.get("/educationEvents", params={"size": 2, "page": 1}).status_code == 200  # nor another kind
    for _ in range(2):
        body = assert_error(http.get("/educationInfos", params={"size": 2, "page": 1}), 503)
        assert "updating" in body["message"] and "try again later" in body["message"]
    assert http.get("/educationInfos", params={"size": 2, "page": 1}).json()["educationInfos"][0]["id"] == "i.yh.002"

    api.fail_next(500)
    assert_error(http.get("/api-info"), 500)
    assert http.get("/api-info").status_code == 200


def test_updating_answers_503_everywhere(api, http):
    api.put("educationInfos", info(1))
    api.set_updating(True)
    for path in ("/educationInfos", "/educationInfos/i.yh.001", "/api-info"):
        assert_error(http.get(path), 503)
    api.set_updating(False)
    assert http.get("/educationInfos/i.yh.001").status_code == 200


def test_request_log(api, http):
    http.get("/educationEvents", params=[("schoolType", "YH"), ("updatedSince", "2025-04-24"), ("page", 0)])
    http.get("/educationInfos", params=[("schoolType", "YH"), ("schoolType", "HS")])
    assert api.requests == [
        ("/susa-navet/emil3/educationEvents", {"schoolType": "YH", "updatedSince": "2025-04-24", "page": "0"}),
        ("/susa-navet/emil3/educationInfos", {"schoolType": ["YH", "HS"]}),
    ]


def test_school_type_and_provider_filters(api, http):
    api.put("educationInfos", info(1))
    api.put("educationInfos", info(2, school_type="HS"))
    api.put("educationEvents", event(1, "i.yh.001"))
    api.put("educationEvents", event(2, "i.yh.002"))
    api.put("educationEvents", event(3, "i.yh.001", provider="p.yh.syd"))

    def ids(kind, **params):
        return [item["id"] for item in http.get(f"/{kind}", params=params).json()[kind]]

    assert ids("educationInfos", schoolType="YH") == ["i.yh.001"]
    assert ids("educationEvents", schoolType="YH") == ["e.yh.001", "e.yh.003"]
    assert ids("educationEvents", schoolType="YH", providerId="p.yh.syd") == ["e.yh.003"]
    assert ids("educationEvents") == ["e.yh.001", "e.yh.002", "e.yh.003"]


def test_load_file(api, http, tmp_path):
    data = {"educationProviders": [{"id": "p.yh.norr", "content": {"identifier": "p.yh.norr"}}],
            "educationInfos": [{"id": "i.yh.001", "content": info(1)}],
            "educationEvents": [{"id": "e.yh.001", "content": {k: v for k, v in event(1, "i.yh.001").items()
                                                                if k != "identifier"}}]}
    path = tmp_path / "demo-emil3.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert api.load_file(path) == 3
    assert http.get("/educationEvents/e.yh.001").json()["content"]["identifier"] == "e.yh.001"
    assert http.get("/educationInfos").json()["page"]["totalElements"] == 1


def test_slow(api, http):
    api.slow(0.3)
    started = time.monotonic()
    assert http.get("/api-info").status_code == 200
    assert time.monotonic() - started >= 0.3
