"""Heartbeats and the reload bus, on SQLite and PostgreSQL, between two "processes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from geobot.documents.model import LoadIssue
from geobot.fleet import Fleet
from geobot.reload import ReloadReport


def report(ok: bool, digest: str) -> ReloadReport:
    return ReloadReport(
        ok,
        "peer",
        datetime.now(UTC),
        0.1,
        digest,
        "old",
        errors=() if ok else (LoadIssue("data/x.toml", "broken", 3),),
    )


def test_heartbeats_and_leaving(db_url: str) -> None:
    a, b = Fleet(db_url, "host:1"), Fleet(db_url, "host:2/shards:0,1")
    try:
        a.heartbeat("d1")
        b.heartbeat("d1", [0, 1])
        b.heartbeat("d2", [0, 1])  # a second beat updates, never duplicates
        live = {p.label: p for p in a.live()}
        assert set(live) == {"host:1", "host:2/shards:0,1"}
        assert live["host:2/shards:0,1"].digest == "d2"
        assert live["host:2/shards:0,1"].shard_ids == "0,1"
        assert live["host:1"].last_seen.tzinfo is not None
        b.leave()
        assert [p.label for p in a.live()] == ["host:1"]
        assert a.live(within=timedelta(seconds=-1)) == []  # nobody is that fresh
    finally:
        a.close()
        b.close()


def test_a_request_reaches_the_others_and_they_answer(db_url: str) -> None:
    a, b, c = (Fleet(db_url, f"host:{n}") for n in (1, 2, 3))
    try:
        seen_b = b.latest_request()
        request = a.request_reload("discord", requested_by=1234567890123456789)
        assert a.requests_after(seen_b) == []  # one's own request is not news
        assert b.requests_after(seen_b) == [request]
        assert c.requests_after(request) == []
        a.record_result(request, report(True, "new"), requested_by=1234567890123456789)
        b.record_result(request, report(True, "new"))
        c.record_result(request, report(False, "old"))
        results = {r.process: r for r in a.results(request)}
        assert set(results) == {"host:1", "host:2", "host:3"}
        assert results["host:2"].ok is True
        assert results["host:2"].digest == "new"
        assert results["host:3"].ok is False
        assert results["host:3"].errors == ["data/x.toml:3: error: broken"]
    finally:
        for fleet in (a, b, c):
            fleet.close()


def test_results_without_a_request_are_kept(db_url: str, tmp_path: Path) -> None:
    fleet = Fleet(db_url, "solo")
    try:
        fleet.record_result(None, report(True, "x"))
        assert fleet.results(0) == []
    finally:
        fleet.close()
