"""Keys of the PostgreSQL advisory locks CityOps takes (feed leases, partition maintenance, rollup refreshes),
and the transaction-scoped turn-taking built on them.

Every key is PostgreSQL's two-integer form (class, object): the class is CityOps' own, so that its locks never
collide with advisory locks taken by other software on the same database; the object comes from the lock's name.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

#: First half of every advisory-lock key CityOps takes.
LOCK_CLASS = 0x0C17_0F5


def lock_key(name: str) -> int:
    """The second half of the advisory-lock key called ``name``: a signed 32-bit integer from its SHA-256."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big", signed=True)


def take_turns(conn: Connection, name: str) -> None:
    """Wait until no other transaction holds the turn called ``name``, then hold it until this transaction ends
    (``pg_advisory_xact_lock``), on PostgreSQL; SQLite lets one writer at a time in already."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": LOCK_CLASS, "key": lock_key(name)})
