"""The report's embedded font: Noto Sans CJK SC (fonts-noto-cjk), regular and bold, cut down to the characters
the report uses, turned into TrueType outlines and embedded as base64 ``@font-face`` rules, so the HTML and the
PDF show Chinese the same on any machine, offline, and the PDF carries it as a real (CID) font subset.

The subset is deterministic (no timestamp recalculated), so the same text gives the same bytes.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

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
#: How far (font units of a 1000-unit em) the quadratic outlines may stray from the cubic ones.
MAX_ERROR = 1.0


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
    families = [f["name"].getDebugName(1) for f in TTCollection(str(path), lazy=True).fonts]
    return families.index(FACE) if FACE in families else 0


def bold_of(path: Path) -> Path | None:
    """The bold face installed beside a regular one (``NotoSansCJK-Regular.ttc`` → ``NotoSansCJK-Bold.ttc``)."""
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    return bold if bold != path and bold.is_file() else None


def _to_truetype(font: TTFont) -> None:
    """Replace a font's cubic CFF outlines by quadratic TrueType ones, in place.

    Chromium's PDF writer (Skia) embeds a TrueType font as a CID font subset (Type 0 / CIDFontType2), but a CFF
    one (Noto CJK is CFF) as Type 3 glyph procedures, which readers draw blurred and cannot search reliably."""
    if "CFF " not in font:
        return
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    for name, glyph in glyphs.items():  # TrueType keeps each glyph's left side bearing at its xMin
        glyph.recalcBounds(glyf)
        font["hmtx"][name] = (font["hmtx"][name][0], getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for name in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, name, 1 if name == "maxZones" else 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 3.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=4)
def subset_font(path: Path, text: str) -> bytes:
    """The font cut down to the characters of ``text`` (plus ASCII), as TrueType bytes (the last few kept: a
    report's HTML and PDF in one language have the same text).

    Only the layout features horizontal text uses are kept (kerning, Latin ligatures): the vertical and
    locale alternates would bring in glyphs the report never shows."""
    font = TTFont(str(path), fontNumber=_face_number(path), recalcTimestamp=False, lazy=True)
    options = subset.Options()
    options.layout_features = ["kern", "liga"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    characters = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    _to_truetype(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _rule(path: Path, text: str, family: str, weight: str) -> str:
    data = base64.b64encode(subset_font(path, text)).decode("ascii")
    return (
        f"@font-face{{font-family:{family};src:url(data:font/ttf;base64,{data}) format('truetype');"
        f"font-weight:{weight};font-style:normal}}"
    )


def font_face(path: Path, text: str, family: str = "ReportSans") -> str:
    """CSS ``@font-face`` rules embedding the subset font as data URLs: the regular face, and the bold one when
    it is installed beside it (the page asks for no synthetic bold: without it, bold text is drawn regular)."""
    bold = bold_of(path)
    return _rule(path, text, family, "normal") + (_rule(bold, text, family, "bold") if bold else "")
