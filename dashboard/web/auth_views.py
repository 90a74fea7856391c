"""Sign-in, sign-out and the admin page (users, tokens, KPI targets, alert acknowledgements): plain HTML forms."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import Engine

from dashboard.auth import store
from dashboard.auth.policy import TOKEN_ROLES, USER_ROLES
from dashboard.auth.store import AccessError
from dashboard.context import request_context
from dashboard.kpis.definitions import DEFAULT_KPIS
from dashboard.settings import Settings

log = logging.getLogger("dashboard.auth")


def page_lang() -> str:
    """The language of a sign-in or admin page (``?lang=``, else the default)."""
    lang = request.values.get("lang")
    return lang if lang in ("zh", "en") else current_app.extensions["cityops"].settings.default_language


#: Characters browsers drop or read as a separator in a URL: whitespace, controls, backslashes.
_UNSAFE_IN_TARGET = re.compile(r"[\s\x00-\x1f\x7f\\]")
#: Rounds of percent-decoding a target is checked through (``%252f`` is ``%2f`` is ``/``).
_DECODINGS = 3


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (``/`` for anything that a browser could read as
    another site: ``//host``, ``/\\host``, ``/<tab>/host``, schemes, and their percent-encoded forms)."""
    if not target or len(target) > 2048:
        return "/"
    decoded = target
    for _ in range(_DECODINGS):
        if _UNSAFE_IN_TARGET.search(decoded) or not decoded.startswith("/") or decoded.startswith("//"):
            return "/"
        parts = urlsplit(decoded)
        if parts.scheme or parts.netloc:
            return "/"
        decoded = unquote(decoded)
    return target


def register_views(
    server: Flask,
    engine: Engine,
    settings: Settings,
    limiter: Limiter,
    translate: Callable,
    client_address: Callable[[], str],
) -> None:
    """Add ``/login``, ``/logout`` and ``/admin`` to the server (``client_address``: the caller's address)."""
    server.register_blueprint(Blueprint("cityops_auth", __name__, template_folder="templates"))
    server.jinja_env.globals.update(t=translate, user_roles=USER_ROLES, token_roles=TOKEN_ROLES)

    def _by_username() -> str:
        """Attempts count per user name and address: guessing from many addresses cannot lock the user out."""
        return f"user:{request.form.get('username', '').strip().lower()}@{client_address()}"

    login_limit = limiter.limit(settings.login_rate_limit, methods=["POST"])
    user_limit = limiter.limit(settings.login_rate_limit, methods=["POST"], key_func=_by_username)

    @server.errorhandler(RateLimitExceeded)
    def _throttled(_exc):
        lang = page_lang()
        log.warning("sign-in throttled for %s", request.remote_addr)
        return render_template("login.html", lang=lang, error=translate("auth.throttled", lang), next="/"), 429

    @server.route("/login", methods=["GET", "POST"])
    @login_limit
    @user_limit
    def login():
        lang = page_lang()
        target = safe_next(request.values.get("next"))
        if settings.auth_mode == "open":
            return redirect(target)
        if request.method == "GET":
            return render_template("login.html", lang=lang, error=None, next=target)
        principal = store.authenticate(engine, request.form.get("username", ""), request.form.get("password", ""))
        if principal is None:
            log.info("sign-in failed from %s", request.remote_addr)
            return render_template("login.html", lang=lang, error=translate("auth.failed", lang), next=target), 401
        session.clear()
        session.permanent = True
        session["uid"], session["uv"] = principal.id, principal.version
        log.info("signed in: %s (%s)", principal.name, principal.role)
        return redirect(target)

    @server.post("/logout")
    def logout():
        principal = request_context().principal
        if principal is not None and principal.kind == "user":
            store.end_sessions(engine, principal.id)
        session.clear()
        return redirect("/login")

    def _admin():
        principal = request_context().principal
        if principal is None or principal.role != "admin":
            abort(403)
        return principal

    @server.get("/admin")
    def admin():
        _admin()
        return render_template(
            "admin.html",
            lang=page_lang(),
            users=store.users(engine),
            tokens=store.tokens(engine),
            targets=store.kpi_targets(engine),
            kpis=_kpi_ids(),
            alerts=store.open_alerts(engine),
        )

    def _done(action: Callable[[], str | None]):
        lang = page_lang()
        try:
            message = action()
            flash(message or translate("admin.done", lang), "success")
        except (AccessError, ValueError) as exc:
            flash(translate("admin.error", lang, error=str(exc)), "danger")
        return redirect(f"/admin?lang={lang}")

    @server.post("/admin/users")
    def admin_add_user():
        by = _admin().name
        form = request.form

        def add():
            store.add_user(engine, form.get("username", ""), form.get("password", ""), form.get("role", ""))
            log.info("user %s added by %s", form.get("username", ""), by)

        return _done(add)

    @server.post("/admin/users/<username>/active")
    def admin_user_active(username: str):
        by = _admin().name
        active = request.form.get("active") == "1"

        def toggle():
            if username == by and not active:
                raise AccessError("admins cannot deactivate themselves")
            if not store.set_user(engine, username, active=active):
                raise AccessError(f"no user {username!r}")
            log.info("user %s %s by %s", username, "activated" if active else "deactivated", by)

        return _done(toggle)

    @server.post("/admin/tokens")
    def admin_create_token():
        by = _admin().name
        name, role = request.form.get("name", "").strip(), request.form.get("role", "wall")

        def create() -> str:
            if not name:
                raise AccessError("a token needs a name")
            secret = store.create_token(engine, name, role, by)
            log.info("token %s (%s) created by %s", name, role, by)
            flash(secret, "secret")
            return translate("admin.token_created", page_lang(), name=name)

        return _done(create)

    @server.post("/admin/tokens/<name>/revoke")
    def admin_revoke_token(name: str):
        by = _admin().name

        def revoke():
            if not store.revoke_token(engine, name):
                raise AccessError(f"no live token {name!r}")
            log.info("token %s revoked by %s", name, by)

        return _done(revoke)

    @server.post("/admin/targets")
    def admin_set_target():
        by = _admin().name
        kpi = request.form.get("kpi", "")

        def save():
            if kpi not in _kpi_ids():
                raise AccessError(f"unknown KPI {kpi!r}")
            green, red = (request.form.get(f"threshold_{n}", "").strip() for n in ("green", "red"))
            if bool(green) != bool(red):
                raise ValueError("give both thresholds (green and red) or neither")
            thresholds = (float(green), float(red)) if green else None
            store.set_kpi_target(engine, kpi, float(request.form.get("target", "")), by, thresholds)

        return _done(save)

    @server.post("/admin/alerts/<int:alert_id>/ack")
    def admin_ack_alert(alert_id: int):
        by = _admin().name

        def ack():
            if not store.acknowledge_alert(engine, alert_id, by):
                raise AccessError(f"alert {alert_id} is not open and unacknowledged")

        return _done(ack)


def _kpi_ids() -> list[str]:
    return [kpi.id for kpi in DEFAULT_KPIS if kpi.target is not None]

