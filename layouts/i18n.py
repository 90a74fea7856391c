"""The UI's texts: the message catalogues of :mod:`dashboard.i18n`, re-exported for the layouts."""

from __future__ import annotations

from dashboard.i18n import LANGUAGES, TRANSLATIONS, language, prefixed, t

__all__ = ["LANGUAGES", "TRANSLATIONS", "language", "prefixed", "t"]
