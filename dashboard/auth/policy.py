"""Who may see what: roles, the pages and API paths each role reaches, public paths (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable

#: Every role; ``public`` is an anonymous visitor of a path made public.
ROLES = ("public", "wall", "leader", "analyst", "admin")
#: Roles of people who sign in with a password.
USER_ROLES = ("leader", "analyst", "admin")
#: Roles a token may carry (tokens are read-only: never admin).
TOKEN_ROLES = ("wall", "leader", "analyst")
#: Roles that see the analyst pages (everything but the wall-only and admin views).
STAFF_ROLES = ("leader", "analyst", "admin")

#: API paths of single records that may hold personal data (masked per role); staff only.
RECORD_API_PREFIX = "/api/v1/complaints"


def matches(path: str, prefixes: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or below one of them (``/`` matches only itself)."""
    for prefix in prefixes:
        base = prefix.rstrip("/")
        if path == prefix or (base and path.startswith(base + "/")):
            return True
    return False


def is_public(path: str, public_paths: Iterable[str]) -> bool:
    """Whether an anonymous visitor may open ``path`` (never the admin page)."""
    return not path.startswith("/admin") and matches(path, public_paths)


def page_allowed(role: str, path: str, public_paths: Iterable[str] = ()) -> bool:
    """Whether ``role`` may open the page at ``path``."""
    if is_public(path, public_paths):
        return True
    if path.startswith("/admin"):
        return role == "admin"
    if matches(path, ["/wall"]):
        return role in ROLES[1:]
    return role in STAFF_ROLES


def api_allowed(role: str, path: str, public_paths: Iterable[str] = ()) -> bool:
    """Whether ``role`` may call the API at ``path`` (the wall reads aggregates, never records)."""
    if is_public(path, public_paths):
        return True
    if path.startswith(RECORD_API_PREFIX):
        return role in STAFF_ROLES
    return role in ROLES[1:]


def sees_personal_data(role: str, personal_data_roles: Iterable[str]) -> bool:
    """Whether ``role`` sees names, phone and ID numbers unmasked (never the wall or the public)."""
    return role not in ("public", "wall") and role in personal_data_roles
