"""One reference entity per department, district, category and station, whatever a feed calls it.

At ingest, the code a record gives is kept when it is a reference code; otherwise it is looked up among the
entity's Chinese and English names and the configured aliases (``reference_alias``) and replaced by the code
found. A value found nowhere is stored as it came (never guessed) and listed as unresolved on the feeds page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from dashboard.db.models import Department, District, ReferenceAlias, ServiceType, Station

#: kind -> its reference model
KINDS = {"department": Department, "district": District, "category": ServiceType, "station": Station}
#: record field -> kind, per domain; a complaint's category may also arrive as its name only
FIELDS = {
    "complaints": {"department_code": "department", "district_code": "district", "category": "category"},
    "sensors": {"station_code": "station"},
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Resolver:
    """Codes, and every other known name -> code, per kind."""

    codes: dict[str, frozenset[str]]
    names: dict[str, dict[str, str]]

    def code(self, kind: str, value: str | None) -> str | None:
        """The reference code of ``value`` (a code, a name or an alias); ``value`` itself when unknown."""
        if value is None or value in self.codes[kind]:
            return value
        return self.names[kind].get(_key(value), value)

    def known(self, kind: str, value: str | None) -> str | None:
        """The reference code of ``value``, or None when it names nothing known."""
        code = self.code(kind, value)
        return code if code in self.codes[kind] else None


def load(conn: Connection, kinds: frozenset[str] | set[str]) -> Resolver:
    """The resolver of ``kinds`` from the reference tables and the aliases."""
    codes: dict[str, frozenset[str]] = {}
    names: dict[str, dict[str, str]] = {}
    for kind in kinds:
        model = KINDS[kind]
        rows = conn.execute(select(model.code, model.name_zh, model.name_en)).all()
        codes[kind] = frozenset(r.code for r in rows)
        names[kind] = {_key(n): r.code for r in rows for n in (r.name_en, r.name_zh) if n}
        aliases = conn.execute(select(ReferenceAlias.alias, ReferenceAlias.code).where(ReferenceAlias.kind == kind))
        names[kind].update({_key(alias): code for alias, code in aliases})
    return Resolver(codes, names)


def resolve(conn: Connection, domain: str, rows: list[dict]) -> None:
    """Replace, in place, the names and aliases the rows of ``domain`` give for reference entities by codes."""
    fields = FIELDS.get(domain)
    if not fields or not rows:
        return
    resolver = load(conn, set(fields.values()))
    for row in rows:
        for field, kind in fields.items():
            if row.get(field) is not None:
                row[field] = resolver.code(kind, row[field])
        if domain == "complaints" and row.get("category") is None and row.get("category_name"):
            row["category"] = resolver.known("category", row["category_name"])
