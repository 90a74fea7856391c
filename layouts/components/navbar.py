"""The navbar shared by the analyst pages: page links, language switch and theme switch (kept in the URL)."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html

from dashboard.app import current_settings
from layouts.i18n import t

PAGES = (("overview", "/"), ("map", "/map"), ("feeds", "/feeds"), ("wall", "/wall"))


def _href(path: str, lang: str, theme: str) -> str:
    return f"{path}?{urlencode({'lang': lang, 'theme': theme})}"


def navbar(active: str, prefs: dict) -> dbc.Navbar:
    """Links keep the current language and theme; the switches flip one of them on the current page."""
    lang, theme = prefs["lang"], prefs["theme"]
    settings = current_settings()
    city = settings.city_name_zh if lang == "zh" else settings.city_name_en
    path = dict(PAGES)[active]
    links = [
        dbc.NavItem(
            dbc.NavLink(t(f"nav.{name}", lang), href=_href(p, lang, theme), active=name == active, id=f"nav-{name}")
        )
        for name, p in PAGES
    ]
    other_theme = "light" if theme == "dark" else "dark"
    switches = [
        dbc.NavItem(
            dbc.NavLink(
                t("nav.language", lang), href=_href(path, "en" if lang == "zh" else "zh", theme), id="nav-language"
            )
        ),
        dbc.NavItem(
            dbc.NavLink(t(f"nav.theme.{other_theme}", lang), href=_href(path, lang, other_theme), id="nav-theme")
        ),
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span(city, className="me-2"), html.Span(t("app.title", lang))], href=_href("/", lang, theme)
                ),
                dbc.Nav(links, className="me-auto", navbar=True),
                dbc.Nav(switches, navbar=True),
            ],
            fluid=True,
        ),
        className="cityops-navbar mb-3",
        color="dark" if theme == "dark" else "light",
        dark=theme == "dark",
    )
