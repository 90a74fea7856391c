"""The report's embedded font: Noto Sans CJK SC (fonts-noto-cjk), cut down to the characters the report uses
and embedded as a base64 ``@font-face``, so the HTML and the PDF show Chinese the same on any machine, offline.

The subset is deterministic (no timestamp recalculated), so the same text gives the same bytes.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

#: Where Debian's fonts-noto-cjk puts the collection, then other common places.
CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
)
#: fontTools tells every table it prunes at INFO: not news for the operator.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
#: The face of the collection used for simplified Chinese.
FACE = "Noto Sans CJK SC"


class FontUnavailable(RuntimeError):
    """The CJK font is not installed (install fonts-noto-cjk, or set CITYOPS_REPORT_FONT_FILE)."""


def find_font(configured: Path | None = None) -> Path:
    """The font file: the configured one, else the first installed candidate."""
    for path in ([configured] if configured else []) + list(CANDIDATES):
        if path.is_file():
            return path
    raise FontUnavailable(
        "no Noto Sans CJK font found (looked at "
        + ", ".join(str(p) for p in ([configured] if configured else []) + list(CANDIDATES))
        + "); install the fonts-noto-cjk package or set CITYOPS_REPORT_FONT_FILE"
    )


@lru_cache(maxsize=4)
def _face_number(path: Path) -> int:
    """The index of the SC face in a collection (0 for a single font)."""
    if path.suffix.lower() != ".ttc":
        return 0
    names = [f["name"].getDebugName(4) for f in TTCollection(str(path), lazy=True).fonts]
    return names.index(FACE) if FACE in names else 0


def subset_font(path: Path, text: str) -> bytes:
    """The font cut down to the characters of ``text`` (plus ASCII), as OpenType bytes."""
    font = TTFont(str(path), fontNumber=_face_number(path), recalcTimestamp=False, lazy=False)
    options = subset.Options()
    options.layout_features = ["kern", "liga", "locl", "vert", "palt", "halt"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    characters = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_face(path: Path, text: str, family: str = "ReportSans") -> str:
    """A CSS ``@font-face`` rule embedding the subset font as a data URL."""
    data = base64.b64encode(subset_font(path, text)).decode("ascii")
    return (
        f"@font-face{{font-family:{family};src:url(data:font/otf;base64,{data}) format('opentype');"
        "font-weight:normal;font-style:normal}"
    )
