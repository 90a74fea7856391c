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


class ReadPaths:
    """The dotted paths a mapping reads, ready to tell the unread fields of many documents."""

    def __init__(self, read: Iterable[str]) -> None:
        self.read = frozenset(read)
        #: Paths with read paths below them: only these are walked into.
        self.parents = frozenset(".".join(p.split(".")[:i]) for p in self.read for i in range(1, p.count(".") + 1))

    def unread(self, document: Any, prefix: str = "") -> Counter:
        """Per dotted path of ``document`` that no read path covers: how many values arrived in it."""
        found: Counter = Counter()
        if "" in self.read or not isinstance(document, dict):
            return found
        for key, child in document.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if path in self.read:
                continue
            if path in self.parents:
                found.update(self.unread(child, path))
            else:
                found.update(dict(_leaves(child, path)))
        return found


def describe(unread: dict[str, int], limit: int = 8) -> str:
    """``notes (276 values), ward (50 values)``, the most frequent first."""
    ranked = sorted(unread.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} ({count} value{'s' if count != 1 else ''})" for name, count in ranked[:limit])
    return shown + (f" and {len(ranked) - limit} more" if len(ranked) > limit else "")
