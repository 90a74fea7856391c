"""Message catalogues, one per language and area, and ``t(key, lang, **values)`` to look a text up.

The catalogues are JSON files in ``catalogues/`` named ``<area>.<lang>.json`` (``ui``: page texts, ``kpis``:
KPI names, descriptions, units and denominators, ``alerts``: alert messages, ``report``: the daily and weekly
reports). JSON rather than gettext: the keys
are identifiers (``nav.map``), not source-language sentences, so gettext's msgid-is-the-text model and its
fuzzy matching buy nothing; placeholders are ``str.format`` fields (``{value:.0f}``), which gettext's ``%``
convention and its extraction tools do not see; no text needs plural forms (counts are shown with their unit);
and JSON is read by the standard library with nothing to compile, so a fresh clone serves the same texts the
tests check. Babel does the locale formatting (see ``layouts.format``).
"""

from __future__ import annotations

import json
from pathlib import Path

#: Supported languages, the default first.
LANGUAGES = ("zh", "en")
#: The catalogue areas; a key lives in exactly one.
AREAS = ("ui", "kpis", "alerts", "report")
CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"


def load(area: str, lang: str) -> dict[str, str]:
    """The catalogue of ``area`` in ``lang``; a clear error for a missing file or a non-text entry."""
    path = CATALOGUE_DIR / f"{area}.{lang}.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    if bad := [key for key, text in entries.items() if not isinstance(text, str)]:
        raise ValueError(f"catalogue {path.name}: entries {bad} are not text")
    return entries


def _merged(lang: str) -> dict[str, str]:
    """Every catalogue of ``lang`` in one mapping; a key in two areas is an error."""
    merged: dict[str, str] = {}
    for area in AREAS:
        entries = load(area, lang)
        if clash := set(entries) & set(merged):
            raise ValueError(f"catalogue {area}.{lang}.json: keys {sorted(clash)} already defined in another area")
        merged |= entries
    return merged


#: Every text by language, then key.
TRANSLATIONS: dict[str, dict[str, str]] = {lang: _merged(lang) for lang in LANGUAGES}


def language(value: str | None, default: str = "zh") -> str:
    """A supported language code from a request value (``?lang=``), else ``default``."""
    return value if value in LANGUAGES else default


def prefixed(prefix: str, lang: str) -> dict[str, str]:
    """Every text whose key starts with ``prefix.``, keyed by the rest (e.g. AG Grid's ``localeText``)."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in TRANSLATIONS[language(lang)].items() if k.startswith(start)}


def t(key: str, lang: str, **values) -> str:
    """The text of ``key`` in ``lang``, formatted with ``values`` (the bare template without values)."""
    text = TRANSLATIONS[language(lang)][key]
    return text.format(**values) if values else text
