"""Accounts, tokens, KPI targets and alert acknowledgements in the database."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.auth.policy import TOKEN_ROLES, USER_ROLES
from dashboard.db.models import AccessToken, Alert, AppUser, KpiTarget
from dashboard.kpis.registry import AdminTarget

#: Checked when the user does not exist, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("cityops-no-such-user")
MIN_PASSWORD_LENGTH = 10


class AccessError(ValueError):
    """An account or token operation that is not allowed (unknown role, short password, duplicate name)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user, a token, a trusted proxy's user, the open demo or the public."""

    name: str
    role: str
    kind: str  # user | token | header | open | public
    id: int | None = None
    #: A user's session version when signed in (sessions of an older version are refused).
    version: int | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(engine: Engine, username: str, password: str, role: str) -> None:
    """Create an account (scrypt-hashed password)."""
    if role not in USER_ROLES:
        raise AccessError(f"role must be one of {', '.join(USER_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    username = username.strip()
    with engine.begin() as conn:
        if conn.execute(select(AppUser.id).where(AppUser.username == username)).first():
            raise AccessError(f"user {username!r} exists")
        conn.execute(
            AppUser.__table__.insert().values(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
                active=True,
                created_at=datetime.now(UTC),
            )
        )


def set_user(engine: Engine, username: str, *, active: bool | None = None, password: str | None = None) -> bool:
    """Activate or deactivate an account, or set its password (either ends its sessions); False when there is no
    such user."""
    values: dict = {"session_version": AppUser.session_version + 1}
    if active is not None:
        values["active"] = active
    if password is not None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccessError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        values["password_hash"] = generate_password_hash(password)
    with engine.begin() as conn:
        return conn.execute(update(AppUser).where(AppUser.username == username).values(**values)).rowcount > 0


def users(engine: Engine) -> list[dict]:
    """Every account (without password hashes)."""
    cols = (AppUser.username, AppUser.role, AppUser.active, AppUser.created_at, AppUser.last_login_at)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(*cols).order_by(AppUser.username))]


def authenticate(engine: Engine, username: str, password: str) -> Principal | None:
    """The user if the name and password match an active account."""
    with engine.connect() as conn:
        row = conn.execute(
            select(AppUser.id, AppUser.username, AppUser.password_hash, AppUser.role, AppUser.session_version).where(
                AppUser.username == username.strip(), AppUser.active.is_(True)
            )
        ).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    with engine.begin() as conn:
        conn.execute(update(AppUser).where(AppUser.id == row.id).values(last_login_at=datetime.now(UTC)))
    return Principal(row.username, row.role, "user", row.id, row.session_version)


def user_by_id(engine: Engine, user_id: int, version: int) -> Principal | None:
    """The active user with this id, if its sessions are still of ``version``."""
    with engine.connect() as conn:
        row = conn.execute(
            select(AppUser.username, AppUser.role).where(
                AppUser.id == user_id, AppUser.active.is_(True), AppUser.session_version == version
            )
        ).first()
    return None if row is None else Principal(row.username, row.role, "user", user_id, version)


def end_sessions(engine: Engine, user_id: int) -> None:
    """End every session of a user (signing out ends them all: a copied cookie dies with the original)."""
    with engine.begin() as conn:
        conn.execute(
            update(AppUser).where(AppUser.id == user_id).values(session_version=AppUser.session_version + 1)
        )


def create_token(engine: Engine, name: str, role: str = "wall", created_by: str | None = None) -> str:
    """A new read-only token; the secret is returned once and only its digest is stored."""
    if role not in TOKEN_ROLES:
        raise AccessError(f"token role must be one of {', '.join(TOKEN_ROLES)}")
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        if conn.execute(select(AccessToken.id).where(AccessToken.name == name)).first():
            raise AccessError(f"token {name!r} exists")
        conn.execute(
            AccessToken.__table__.insert().values(
                name=name, digest=_digest(secret), role=role, created_at=datetime.now(UTC), created_by=created_by
            )
        )
    return secret


def revoke_token(engine: Engine, name: str) -> bool:
    """Revoke a token by name; False when there is no such live token."""
    with engine.begin() as conn:
        stmt = update(AccessToken).where(AccessToken.name == name, AccessToken.revoked_at.is_(None))
        return conn.execute(stmt.values(revoked_at=datetime.now(UTC))).rowcount > 0


def tokens(engine: Engine) -> list[dict]:
    """Every token (names and roles, never secrets)."""
    cols = (AccessToken.name, AccessToken.role, AccessToken.created_at, AccessToken.created_by,
            AccessToken.revoked_at, AccessToken.last_used_at)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(*cols).order_by(AccessToken.name))]


def token_by_secret(engine: Engine, secret: str) -> Principal | None:
    """The live token with this secret (its last use is recorded)."""
    with engine.begin() as conn:
        row = conn.execute(
            select(AccessToken.id, AccessToken.name, AccessToken.role).where(
                AccessToken.digest == _digest(secret), AccessToken.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        conn.execute(update(AccessToken).where(AccessToken.id == row.id).values(last_used_at=datetime.now(UTC)))
    return Principal(row.name, row.role, "token", row.id)


def token_by_id(engine: Engine, token_id: int) -> Principal | None:
    """The live token with this id (a kiosk's session is dropped as soon as its token is revoked)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(AccessToken.name, AccessToken.role).where(
                AccessToken.id == token_id, AccessToken.revoked_at.is_(None)
            )
        ).first()
    return None if row is None else Principal(row.name, row.role, "token", token_id)


def kpi_targets(engine: Engine) -> dict[str, AdminTarget]:
    """KPI targets (and thresholds) set by admins, by KPI id."""
    columns = (KpiTarget.kpi, KpiTarget.target, KpiTarget.threshold_green, KpiTarget.threshold_red)
    with engine.connect() as conn:
        return {kpi: AdminTarget(*values) for kpi, *values in conn.execute(select(*columns)).all()}


def set_kpi_target(
    engine: Engine, kpi: str, target: float, by: str, thresholds: tuple[float, float] | None = None
) -> None:
    """Set (or replace) one KPI's target and, optionally, its (green, red) RAG thresholds."""
    now = datetime.now(UTC)
    green, red = thresholds or (None, None)
    values = {"target": target, "threshold_green": green, "threshold_red": red, "updated_at": now, "updated_by": by}
    with engine.begin() as conn:
        done = conn.execute(update(KpiTarget).where(KpiTarget.kpi == kpi).values(**values)).rowcount
        if not done:
            conn.execute(KpiTarget.__table__.insert().values(kpi=kpi, **values))


def open_alerts(engine: Engine, limit: int = 200) -> list[dict]:
    """Open alerts, newest first."""
    cols = (Alert.id, Alert.rule, Alert.severity, Alert.subject, Alert.message_zh, Alert.message_en, Alert.value,
            Alert.opened_at, Alert.acknowledged_at, Alert.acknowledged_by)
    with engine.connect() as conn:
        stmt = select(*cols).where(Alert.closed_at.is_(None)).order_by(Alert.opened_at.desc()).limit(limit)
        return [dict(r._mapping) for r in conn.execute(stmt)]


def acknowledge_alert(engine: Engine, alert_id: int, by: str) -> bool:
    """Acknowledge an open alert; False when it is unknown, closed or already acknowledged."""
    with engine.begin() as conn:
        stmt = update(Alert).where(Alert.id == alert_id, Alert.closed_at.is_(None), Alert.acknowledged_at.is_(None))
        return conn.execute(stmt.values(acknowledged_at=datetime.now(UTC), acknowledged_by=by)).rowcount > 0
