"""The halls' queue API: naive local vendor times, a cursor per hall, ``next_offset`` paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedkit import RUN_AT, json_response, make_cursor, make_feed

from collectors.runner import validate


def _feed(**extra):
    return make_feed(name="halls", domain="halls", protocol="hall-queue", url="http://q.test/api/v1", **extra)


def _ticket(ticket_id, hall="H01", updated="2026-11-21 15:30:00", **extra):
    return {
        "ticket_id": ticket_id,
        "hall_id": hall,
        "service_item": "社保登记",
        "channel": "offline",
        "issued_at": "2026-11-21 15:00:00",
        "called_at": "2026-11-21 15:12:00",
        "served_at": "2026-11-21 15:13:00",
        "finished_at": "2026-11-21 15:25:00",
        "window": 7,
        "status": "finished",
        "rating": 5,
        "visits": 1,
        "updated_at": updated,
        **extra,
    }


def _handler(tickets_by_hall, page_size):
    def handler(request):
        if request.url.path.endswith("/halls"):
            return json_response({"halls": [{"code": "H01", "name_zh": "市民中心"}, {"code": "H02"}]})
        tickets = tickets_by_hall[request.url.params["hall_id"]]
        offset = int(request.url.params["offset"])
        page = tickets[offset : offset + page_size]
        more = offset + page_size < len(tickets)
        return json_response(
            {"tickets": page, "total": len(tickets), "next_offset": offset + page_size if more else None}
        )

    return handler


def test_tickets_are_read_per_hall_in_local_time_with_a_cursor_each(upstream):
    tickets = {"H01": [_ticket(f"T{i}") for i in range(5)], "H02": [_ticket("T9", hall="H02")]}
    up = upstream(_handler(tickets, page_size=2))
    h01_since = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    batch = up.fetch(_feed(page_size=2), make_cursor({"H01": h01_since.isoformat()}))
    assert len(batch.records) == 6 and not batch.rejected
    first = up.params(1)
    assert (first["hall_id"], first["updated_since"], first["limit"]) == ("H01", "2026-11-21 14:00:00", "2")
    assert [r.url.params.get("offset") for r in up.requests[1:4]] == ["0", "2", "4"]
    assert up.params(4)["updated_since"] == "2026-11-20 16:00:00"  # H02 starts at the backfill, in Shanghai time
    assert batch.cursor == {"H01": RUN_AT, "H02": RUN_AT}
    record = batch.records[0]
    assert record.ref == "T0"
    assert record.data["issued_at"] == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert (record.data["hall_code"], record.data["window"], record.data["rating"], record.data["channel"]) == (
        "H01",
        "7",
        5,
        "offline",
    )
    valid, rejected = validate(_feed(), batch)
    assert len(valid) == 6 and not rejected


def test_bad_tickets_are_rejected_naming_the_field(upstream):
    tickets = {
        "H01": [_ticket("T1", called_at="later"), _ticket("T2", rating="five"), _ticket("T3", channel="线上")],
        "H02": [],
    }
    batch = upstream(_handler(tickets, page_size=10)).fetch(_feed())
    assert [(r.ref, r.field) for r in batch.rejected] == [("T1", "called_at"), ("T2", "rating")]
    assert batch.records[0].data["channel"] == "online"


def test_the_record_bound_keeps_later_halls_at_their_cursor(upstream):
    tickets = {"H01": [_ticket(f"T{i}", updated=f"2026-11-21 15:3{i}:00") for i in range(4)], "H02": [_ticket("X")]}
    batch = upstream(_handler(tickets, page_size=2)).fetch(_feed(page_size=2, max_records_per_run=2))
    assert len(batch.records) == 2
    assert batch.cursor == {"H01": datetime(2026, 11, 21, 15, 31, tzinfo=UTC) - timedelta(hours=8)}
