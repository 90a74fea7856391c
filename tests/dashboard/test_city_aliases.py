"""One alias mechanism: the other names a city manifest gives (a department's ``aliases`` column, the
``[aliases]`` file) are the aliases ingest resolves; a name found nowhere stays as it came and is listed as
unresolved on /feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from collectors.records import ComplaintRecord
from collectors.sinks import store
from dashboard.city.importer import import_city
from dashboard.city.manifest import load_manifest
from dashboard.city.report import CityImportError
from dashboard.db.engine import make_engine
from dashboard.db.migrate import alembic_config, upgrade
from dashboard.db.models import Complaint, ReferenceAlias
from dashboard.queries import identity

T = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SQUARE = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "330402", "name":'
    ' "南湖区"}, "geometry": {"type": "Polygon", "coordinates": [[[120.7, 30.7], [120.8, 30.7], [120.8, 30.8],'
    " [120.7, 30.8], [120.7, 30.7]]]}}]}"
)


def _manifest(tmp_path, departments: str, aliases: str | None = None):
    (tmp_path / "districts.geojson").write_text(SQUARE, encoding="utf-8")
    (tmp_path / "departments.csv").write_text(departments, encoding="utf-8")
    body = (
        '[city]\ncode = "330400"\nname_zh = "嘉兴市"\nname_en = "Jiaxing"\n'
        f'[[boundaries]]\nfile = "{tmp_path}/districts.geojson"\n'
        f'[departments]\nfile = "{tmp_path}/departments.csv"\n'
    )
    if aliases is not None:
        (tmp_path / "aliases.csv").write_text(aliases, encoding="utf-8")
        body += f'[aliases]\nfile = "{tmp_path}/aliases.csv"\n'
    (tmp_path / "city.toml").write_text(body, encoding="utf-8")
    return load_manifest(tmp_path / "city.toml")


def _ticket(ticket: str, department: str, district: str = "330402") -> ComplaintRecord:
    return ComplaintRecord(
        source_id=ticket,
        status="accepted",
        requested_at=T,
        due_at=T + timedelta(days=1),
        updated_at=T,
        department_code=department,
        district_code=district,
    )


def test_manifest_aliases_resolve_at_ingest(sqlite_engine, tmp_path):
    manifest = _manifest(
        tmp_path,
        "code,name_zh,name_en,aliases\nJX01,嘉兴市城市管理行政执法局,Urban Management,城管局|市城管\n"
        "JX02,嘉兴市生态环境局,Ecology and Environment,\n",
        "kind,alias,code\ndepartment,环保局,JX02\ndistrict,南湖,330402\n",
    )
    with sqlite_engine.begin() as conn:
        import_city(conn, manifest)
        stored_aliases = {(r.kind, r.alias, r.code) for r in conn.execute(select(ReferenceAlias))}
        store(
            conn,
            "complaints",
            "hotline",
            [
                _ticket("H1", "市城管"),
                _ticket("H2", " 城管局 "),
                _ticket("H3", "环保局", district="南湖"),
                _ticket("H4", "JX01"),
                _ticket("H5", "某某办"),
            ],
            T,
            timezone="Asia/Shanghai",
        )
        stored = {r.source_id: (r.department_code, r.district_code) for r in conn.execute(select(Complaint))}
    assert stored_aliases == {
        ("department", "城管局", "JX01"),
        ("department", "市城管", "JX01"),
        ("department", "环保局", "JX02"),
        ("district", "南湖", "330402"),
    }
    assert stored == {
        "H1": ("JX01", "330402"),
        "H2": ("JX01", "330402"),
        "H3": ("JX02", "330402"),
        "H4": ("JX01", "330402"),
        "H5": ("某某办", "330402"),
    }
    assert identity.unresolved(sqlite_engine).to_dict("records") == [
        {"kind": "department", "name": "某某办", "rows": 1}
    ]


def test_an_alias_of_two_codes_is_refused(sqlite_engine, tmp_path):
    manifest = _manifest(
        tmp_path,
        "code,name_zh,aliases\nJX01,城市管理局,城管\nJX02,综合执法局,\n",
        "kind,alias,code\ndepartment,城管,JX02\nquarter,老城,330402\n",
    )
    with pytest.raises(CityImportError) as refused, sqlite_engine.begin() as conn:
        import_city(conn, manifest)
    message = "\n".join(refused.value.report.lines())
    assert "'城管' names more than one code: JX01, JX02" in message
    assert "unknown kinds quarter" in message
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(ReferenceAlias)).all() == []


def test_migration_moves_the_department_column_into_the_alias_table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0011_session_version")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO department (code, name_zh, name_en, aliases) VALUES "
                "('D01', '城市管理局', 'Urban Management', '城管局| 市城管 '), ('D02', '住建局', 'Housing', NULL)"
            )
        )
        conn.execute(text("INSERT INTO reference_alias (kind, alias, code) VALUES ('department', '城管局', 'D01')"))
    upgrade(engine)
    with engine.connect() as conn:
        aliases = set(conn.execute(text("SELECT kind, alias, code FROM reference_alias")).all())
        columns = {c["name"] for c in inspect(conn).get_columns("department")}
    assert aliases == {("department", "城管局", "D01"), ("department", "市城管", "D01")}
    assert "aliases" not in columns
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0011_session_version")
    with engine.connect() as conn:
        restored = dict(conn.execute(text("SELECT code, aliases FROM department")).all())
    assert restored == {"D01": "城管局|市城管", "D02": None}
    engine.dispose()
