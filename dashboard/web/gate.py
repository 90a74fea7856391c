"""Access control: who is asking (session, kiosk token, trusted proxy header, open demo) and what they may see.

Every request passes :func:`gate` before Flask or Dash serve it: pages, Dash callbacks (each served only to
someone allowed to see the page that registered it) and the API. See ``docs/deploy.md`` for the modes.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import quote

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import Engine

from dashboard.auth import store
from dashboard.auth.exposure import open_to
from dashboard.auth.policy import ROLES, STAFF_ROLES, api_allowed, is_public, page_allowed, sees_personal_data
from dashboard.auth.secret import session_secret
from dashboard.auth.store import Principal
from dashboard.settings import Settings
from dashboard.web.auth_views import page_lang, register_views

log = logging.getLogger("dashboard.auth")

#: Served to anyone: static files, health probes and the sign-in page.
OPEN_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico", "/health", "/readyz", "/login")
#: The empty app shell (no data): to anyone signed in, or to anyone when some path is public.
SHELL_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_reload-hash")
CALLBACK_PATH = "/_dash-update-component"
#: The Dash pages router (its output names these components). Dash declares its inputs as (pathname, search, …)
#: and hands them to the router by position, whatever ids the request gives them: the gate reads the same one.
ROUTER_OUTPUT = "_pages_content.children"
ROUTER_PATH = {"id": "_pages_location", "property": "pathname"}
CSRF_COOKIE = "_csrf_token"  # read by the Dash renderer and sent back as X-CSRFToken
OPEN_PRINCIPAL = Principal("open", "analyst", "open")
PUBLIC_PRINCIPAL = Principal("public", "public", "public")


def current_principal() -> Principal | None:
    """Who is asking in the current request (None outside a request or when nobody is signed in)."""
    return g.get("cityops_principal")


def current_role() -> str:
    """The role of the current request; ``public`` when nobody is signed in."""
    principal = current_principal()
    return "public" if principal is None else principal.role


def may_see_personal_data() -> bool:
    """Whether the current request may see names, phone and ID numbers unmasked (outside a request: no)."""
    if not has_request_context() or "cityops" not in current_app.extensions:
        return False
    settings = current_app.extensions["cityops"].settings
    return sees_personal_data(current_role(), settings.personal_data_roles)


def _networks(addresses: Iterable[str]) -> list:
    return [ipaddress.ip_network(a, strict=False) for a in addresses]


class Gate:
    """The per-request access check of one app."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.proxies = _networks(settings.trusted_proxies)
        #: callback output key -> path of the page that registered it
        self.callback_pages: dict[str, str] = {}

    def _trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)

    def client_address(self) -> str:
        """The client's address: the peer, or behind trusted proxies the last untrusted X-Forwarded-For hop."""
        peer = request.remote_addr or ""
        if not self._trusted(peer):
            return peer
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return peer

    def _from_header(self) -> Principal | None:
        header = self.settings.remote_user_header
        if not header or not self._trusted(request.remote_addr):
            return None
        user = request.headers.get(header, "").strip()
        role = request.headers.get(self.settings.remote_role_header, "").strip().lower()
        if not user or role not in ROLES[1:]:
            return None
        return Principal(user, role, "header")

    def _from_token(self) -> Principal | None:
        secret = request.args.get("token")
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            secret = auth[7:].strip()
        if not secret:
            return None
        principal = store.token_by_secret(self.engine, secret)
        if principal is not None and not request.path.startswith("/api/"):
            session.clear()
            session.permanent = True
            session["tid"] = principal.id
        return principal

    def _from_session(self) -> Principal | None:
        if "uid" in session:
            principal = store.user_by_id(self.engine, int(session["uid"]), int(session.get("uv", -1)))
        elif "tid" in session:
            principal = store.token_by_id(self.engine, int(session["tid"]))
        else:
            return None
        if principal is None:
            session.clear()
        return principal

    def principal(self) -> Principal | None:
        """Who is asking (no public fallback)."""
        if self.settings.auth_mode == "open":
            return OPEN_PRINCIPAL
        return self._from_header() or self._from_token() or self._from_session()

    def _effective(self, principal: Principal | None, path: str) -> Principal | None:
        if principal is None and is_public(path, self.settings.public_paths):
            return PUBLIC_PRINCIPAL
        return principal

    def callback_path(self) -> str | None:
        """The page whose callback is requested (for the router: the path Dash will render); None if unknown."""
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        if not isinstance(output, str):
            return None
        if ROUTER_OUTPUT in output:
            inputs = body.get("inputs")
            first = inputs[0] if isinstance(inputs, list) and inputs else None
            if isinstance(first, dict) and {k: first.get(k) for k in ROUTER_PATH} == ROUTER_PATH:
                return first.get("value") if isinstance(first.get("value"), str) else None
            return None
        return self.callback_pages.get(output)

    def check(self) -> Response | None:
        """None to let the request through, else the refusal."""
        path = request.path
        if self.settings.auth_mode == "open":
            forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
            if not open_to(self.settings, request.remote_addr, forwarded):
                return _refuse(403)
        if path.startswith(OPEN_PREFIXES):
            return None
        principal = self.principal()
        g.cityops_principal = principal
        public = self.settings.public_paths
        if path in SHELL_PATHS:
            return None if principal or public else _refuse(401)
        if path == CALLBACK_PATH:
            page = self.callback_path()
            if page is None:
                allowed = principal is not None and principal.role in STAFF_ROLES
            else:
                principal = g.cityops_principal = self._effective(principal, page)
                allowed = principal is not None and page_allowed(principal.role, page, public)
            return None if allowed else _refuse(403 if principal else 401)
        principal = g.cityops_principal = self._effective(principal, path)
        if path.startswith("/api/"):
            if principal is None:
                return _refuse(401)
            return None if api_allowed(principal.role, path, public) else _refuse(403)
        if path == "/logout":
            return None
        if principal is None:
            return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='/?=&')}")
        if not page_allowed(principal.role, path, public):
            return _refuse(403, html=True)
        return None


def _refuse(status: int, html: bool = False) -> Response:
    if html:
        return Response(render_template("forbidden.html", lang=page_lang()), status=status)
    error = {401: "authentication required", 403: "forbidden"}[status]
    response = jsonify({"error": error})
    response.status_code = status
    return response


def register_auth(server: Flask, engine: Engine, settings: Settings, translate: Callable[..., str]) -> Gate:
    """Sessions, CSRF, login throttling, the gate, sign-in and admin views; returns the gate."""
    server.secret_key = session_secret(settings)
    if settings.auth_mode == "open":
        log.warning("CITYOPS_AUTH_MODE=open: no sign-in, every visitor is an analyst (demo and tests only)")
    server.config.update(
        SESSION_COOKIE_NAME="cityops_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session (wall screens run for days)
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
    )
    gate = Gate(engine, settings)
    limiter = Limiter(
        gate.client_address,
        app=server,
        storage_uri=settings.redis_url or "memory://",
        key_prefix="cityops-limits",
        headers_enabled=True,
    )
    server.before_request(gate.check)  # before CSRF: the anonymous get 401, not a CSRF error
    CSRFProtect(server)

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if (request.method == "GET" and response.mimetype == "text/html") or request.path == "/_dash-layout":
            response.set_cookie(
                CSRF_COOKIE, generate_csrf(), secure=settings.secure_cookies, samesite="Lax", httponly=False
            )
        return response

    register_views(server, engine, settings, limiter, translate, gate.client_address)
    return gate
