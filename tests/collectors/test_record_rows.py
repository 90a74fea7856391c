"""Batch validation into rows applies exactly the record models' rules: same values, same errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from collectors.records import RECORD_MODELS, row_validator

T = datetime(2026, 11, 1, tzinfo=UTC)
CASES = [
    ("traffic", dict(source_id="a", segment_code="R1", observed_at=T, speed_kmh=3.0)),
    ("traffic", dict(source_id=" a ", segment_code="", observed_at=T)),
    ("traffic", dict(source_id="a", segment_code="R1", observed_at=datetime(2026, 1, 1))),
    ("traffic", dict(source_id="a", segment_code="R1", observed_at=datetime(1990, 1, 1, tzinfo=UTC))),
    ("traffic", dict(source_id="a", segment_code="R1", observed_at=T, speed_kmh=float("nan"))),
    ("traffic", dict(source_id="a", segment_code="R1", observed_at=T, bogus=1)),
    ("traffic", dict(source_id="a", segment_code="R1", observed_at="2026-11-01T00:00:00Z", speed_kmh="12",
                     congested="true", period_s=0)),
    ("complaints", dict(source_id="c", status="closed", requested_at=T, updated_at=T, closed_at=T - timedelta(1))),
    ("complaints", dict(source_id="c", status="nope", requested_at=T, updated_at=T)),
    ("complaints", dict(source_id="c", status="closed", requested_at=T, updated_at=T, lon=1.0)),
    ("complaints", dict(source_id="c", status="received", requested_at=T, updated_at=T, lon=200.0, lat=None)),
    ("complaints", dict(source_id="c", status="received", requested_at=T, updated_at=T,
                        events=[{"status": "received", "occurred_at": T}, {"status": "x", "occurred_at": "bad"}])),
    ("complaints", dict(source_id="c", status="received", requested_at=T, updated_at=T, lon=1.0, lat=2.0,
                        events=[{"status": "received", "occurred_at": T, "note": "n"}])),
    ("halls", dict(source_id="h", hall_code="H1", issued_at=T, updated_at=T, called_at=T - timedelta(1))),
    ("halls", dict(source_id="h", hall_code="H1", issued_at=T, updated_at=T, called_at=T,
                   finished_at=T - timedelta(seconds=1))),
    ("halls", dict(source_id="h", hall_code="H1", issued_at=T, updated_at=T, rating=7, channel="x")),
    ("sensors", dict(source_id="s", station_code="A", quantity="pm25", observed_at=T)),
    ("sensors", dict(source_id="s", station_code="A", quantity="pm25", observed_at=T, value=None)),
]


def _outcome(validate, item):
    try:
        return validate(item), None
    except ValidationError as exc:
        return None, [(e["loc"], e["msg"]) for e in exc.errors()]


@pytest.mark.parametrize(("domain", "item"), CASES)
def test_a_row_is_the_models_dump_and_a_reject_has_the_models_errors(domain, item):
    model = RECORD_MODELS[domain]
    assert _outcome(row_validator(domain).one, item) == _outcome(lambda i: model.model_validate(i).model_dump(), item)


def test_a_batch_error_names_the_item_index():
    rows = row_validator("traffic")
    good = dict(source_id="a", segment_code="R1", observed_at=T)
    with pytest.raises(ValidationError) as caught:
        rows.many([good, dict(good, segment_code=""), good])
    assert [e["loc"][0] for e in caught.value.errors()] == [1]
    assert rows.many([good]) == [RECORD_MODELS["traffic"].model_validate(good).model_dump()]
