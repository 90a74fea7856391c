"""What a run records beyond its counts: rows filtered out, source fields no mapping read, remarks."""

from __future__ import annotations

import json
from typing import Any

from collectors.contract import Batch


def run_extras(batch: Batch) -> dict[str, Any]:
    """The ``feed_run`` columns describing ``batch`` besides its counts."""
    return {
        "filtered": batch.filtered,
        "unread_json": json.dumps(dict(batch.unread), ensure_ascii=False, sort_keys=True) if batch.unread else None,
        "note": "; ".join(batch.notes) or None,
    }
