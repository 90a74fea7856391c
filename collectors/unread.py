"""Source fields no mapping reads: counted per field so that nothing a feed sends disappears unseen.

A document is flattened to dotted paths (``extended_attributes.ward``); a list counts as one field holding
as many values as it has items (``notes`` with 276 notes is "notes (276 values)"). A path is read when it,
or one of its ancestors, is among the paths the mapping reads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from collectors.fields import text

#: The plain leading part of a JSONPath: ``$.a.b[0].c`` -> ``a.b``.
_SIMPLE_PATH = re.compile(r"^\$((?:\.[A-Za-z_][\w-]*|\['[^']+'\])*)")


def path_of(jsonpath: str) -> str:
    """The dotted field path a JSONPath (or plain key) reads, as far as it is a plain chain of keys."""
    if not jsonpath.startswith("$"):
        return jsonpath.strip()
    match = _SIMPLE_PATH.match(jsonpath)
    parts = re.findall(r"\.([A-Za-z_][\w-]*)|\['([^']+)'\]", match.group(1) if match else "")
    return ".".join(a or b for a, b in parts)


def _leaves(value: Any, prefix: str) -> Iterable[tuple[str, int]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if value:
            yield prefix, len(value)
    elif text(value) is not None:
        yield prefix, 1


def _is_read(path: str, read: frozenset[str]) -> bool:
    if "" in read:
        return True
    parts = path.split(".")
    return any(".".join(parts[: i + 1]) in read for i in range(len(parts)))


def unread_fields(document: Any, read: Iterable[str]) -> Counter:
    """Per dotted path of ``document`` that no path in ``read`` covers: how many values arrived in it."""
    covered = frozenset(read)
    return Counter({path: n for path, n in _leaves(document, "") if path and not _is_read(path, covered)})


def describe(unread: dict[str, int], limit: int = 8) -> str:
    """``notes (276 values), ward (50 values)``, the most frequent first."""
    ranked = sorted(unread.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} ({count} value{'s' if count != 1 else ''})" for name, count in ranked[:limit])
    return shown + (f" and {len(ranked) - limit} more" if len(ranked) > limit else "")
