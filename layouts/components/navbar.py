"""The navbar shared by the analyst pages: page links, language switch and theme switch (kept in the URL)."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from dashboard.auth.policy import page_allowed
from dashboard.context import RequestContext
from layouts.i18n import t

PAGES = (
    ("overview", "/"),
    ("map", "/map"),
    ("complaints", "/complaints"),
    ("traffic", "/traffic"),
    ("environment", "/environment"),
    ("halls", "/halls"),
    ("reports", "/reports"),
    ("feeds", "/feeds"),
    ("wall", "/wall"),
)
#: Pages linked only for a role the gate lets open them (the city's reference data: staff).
ROLE_PAGES = (("city", "/city"),)


def _href(path: str, lang: str, theme: str, time: dict | None = None) -> str:
    return f"{path}?{urlencode({'lang': lang, 'theme': theme} | (time or {}))}"


def _switch(text: str, element_id: str, href: str, param: str, value: str) -> dbc.NavItem:
    """A link that flips one URL parameter of the current page and keeps the others (see 30-navigation.js)."""
    return dbc.NavItem(
        html.A(text, href=href, id=element_id, className="nav-link", **{"data-set-param": param, "data-value": value})
    )


def _account(context: RequestContext) -> list[dbc.NavItem]:
    """Admin link and sign-out for a signed-in user, sign-in for the public; nothing in open mode or on a kiosk."""
    lang, principal = context.language, context.principal
    if principal is None or principal.kind == "public":
        return [dbc.NavItem(dbc.NavLink(t("nav.login", lang), href=f"/login?lang={lang}", id="nav-login"))]
    if principal.kind != "user":
        return []
    items = [dbc.NavItem(dbc.NavLink(t("nav.admin", lang), href=f"/admin?lang={lang}", id="nav-admin"))]
    sign_out = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button(
                f"{t('nav.logout', lang)} ({principal.name})", type="submit", className="btn btn-link nav-link"
            ),
        ],
        method="POST",
        action="/logout",
        id="nav-logout",
    )
    return (items if principal.role == "admin" else []) + [dbc.NavItem(sign_out)]


def navbar(active: str, context: RequestContext, path: str | None = None) -> dbc.Navbar:
    """Links keep the request's language, theme and time selection; the switches flip one of them on the current
    page."""
    lang, theme, time = context.language, context.theme, dict(context.time)
    settings = context.settings
    city = settings.city_name_zh if lang == "zh" else settings.city_name_en
    path = path or dict(PAGES).get(active, "/")
    shown = [*PAGES, *((n, p) for n, p in ROLE_PAGES if page_allowed(context.role, p, settings.public_paths))]
    links = [
        dbc.NavItem(
            dbc.NavLink(
                t(f"nav.{name}", lang), href=_href(p, lang, theme, time), active=name == active, id=f"nav-{name}"
            )
        )
        for name, p in shown
    ]
    other_lang = "en" if lang == "zh" else "zh"
    other_theme = "light" if theme == "dark" else "dark"
    switches = [
        _switch(t("nav.language", lang), "nav-language", _href(path, other_lang, theme), "lang", other_lang),
        _switch(t(f"nav.theme.{other_theme}", lang), "nav-theme", _href(path, lang, other_theme), "theme", other_theme),
        *_account(context),
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
