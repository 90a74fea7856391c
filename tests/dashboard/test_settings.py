"""Settings: environment variables, defaults, and the .env.example that documents them."""

from pathlib import Path

from dashboard.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting():
    documented = {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    expected = {f"CITYOPS_{name.upper()}" for name in Settings.model_fields}
    assert expected == documented


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("CITYOPS_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CITYOPS_REFRESH_SECONDS", "30")
    settings = Settings()
    assert settings.refresh_seconds == 30
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'cityops.db'}"


def test_explicit_database_url_wins(monkeypatch):
    monkeypatch.setenv("CITYOPS_DATABASE_URL", "postgresql+psycopg://u@db/cityops")
    assert Settings().resolved_database_url == "postgresql+psycopg://u@db/cityops"
