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


def test_a_city_is_named_as_its_manifest_says(monkeypatch):
    """Jiaxing's folder holds its manifest: its names and zone, unless the environment sets them; the demo's
    reference folder holds none: the demo city's."""
    jiaxing = Path(__file__).resolve().parents[2] / "data/cities/jiaxing"
    settings = Settings(city_data_dir=jiaxing)
    assert (settings.city_name_zh, settings.city_name_en, settings.city_timezone) == (
        "嘉兴市",
        "Jiaxing",
        "Asia/Shanghai",
    )
    monkeypatch.setenv("CITYOPS_CITY_NAME_EN", "Jiaxing City")
    assert Settings(city_data_dir=jiaxing).city_name_en == "Jiaxing City"
    assert Settings().city_name_zh == "澄江市"


def test_a_manifest_names_the_zone_its_city_is_shown_in(tmp_path):
    (tmp_path / "city.toml").write_text('[city]\ncode = "1"\nname_zh = "芝加哥"\nname_en = "Chicago"\n'
                                        'timezone = "America/Chicago"\n', encoding="utf-8")
    settings = Settings(city_data_dir=tmp_path)
    assert (settings.city_name_en, settings.city_timezone) == ("Chicago", "America/Chicago")
    assert Settings(city_data_dir=tmp_path, city_timezone="UTC").city_timezone == "UTC"
