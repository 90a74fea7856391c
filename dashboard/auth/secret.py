"""The key that signs session cookies: ``CITYOPS_SECRET_KEY``, else a random key made once and kept in
``<var_dir>/secret_key`` (readable by its owner only), so that a server started with no configuration is safe."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dashboard.settings import Settings

#: Values from old examples and documentation: never accepted.
WEAK_SECRETS = {"change-me", "CHANGE-ME-to-a-long-random-string"}
MIN_SECRET_CHARS = 16


def session_secret(settings: Settings) -> str:
    """The configured key, or the one kept in the var folder (created on first use). A weak configured key is
    refused in login mode (and ignored in open mode)."""
    configured = settings.secret_key.get_secret_value()
    weak = configured in WEAK_SECRETS or len(configured) < MIN_SECRET_CHARS
    if configured and not weak:
        return configured
    if configured and settings.auth_mode == "login":
        raise ValueError(
            f"CITYOPS_SECRET_KEY must be a long random value (at least {MIN_SECRET_CHARS} characters), "
            "or empty to have one made and kept in the var folder"
        )
    return _kept(settings.var_dir / "secret_key")


def _kept(path: Path) -> str:
    """The key in ``path``; made atomically if absent (several workers may start at once)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_urlsafe(48).encode())  # URL-safe base64: ASCII
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker made it first: use theirs
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()
