from __future__ import annotations

import pytest

from grants import create_app
from grants.config import DEFAULT_SECRET_KEY, InsecureConfiguration


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/config.sqlite3"


@pytest.mark.parametrize("key", [None, "", DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, key: str | None
) -> None:
    monkeypatch.delenv("PILOTFONDEN_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = {"DATABASE_URL": sqlite_url}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(InsecureConfiguration, match="PILOTFONDEN_SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_secret_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("PILOTFONDEN_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PILOTFONDEN_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "k" * 64
    assert app.config["DATABASE_URL"] == sqlite_url
    app.extensions["pilotfonden.engine"].dispose()


def test_testing_and_debug_may_use_the_default_key(sqlite_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url})
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY
    app.extensions["pilotfonden.engine"].dispose()


def test_settings_come_from_the_pilotfonden_prefix(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("PILOTFONDEN_MAIL_SERVER", "smtp.example.se")
    monkeypatch.setenv("PILOTFONDEN_MAIL_PORT", "587")
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url})
    assert app.config["MAIL_SERVER"] == "smtp.example.se"
    assert app.config["MAIL_PORT"] == 587
    app.extensions["pilotfonden.engine"].dispose()


def test_the_default_database_is_an_sqlite_file_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PILOTFONDEN_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/pilotfonden.sqlite3")
    app.extensions["pilotfonden.engine"].dispose()


def test_trusted_hosts_from_the_environment_refuse_a_forged_host(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    """README: PILOTFONDEN_TRUSTED_HOSTS keeps a forged Host header out of reset links."""
    monkeypatch.setenv("PILOTFONDEN_TRUSTED_HOSTS", '["pilotfonden.regionorebrolan.se"]')
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url})
    client = app.test_client()
    refused = client.get("/glomt-losenord", base_url="https://evil.example")
    assert refused.status_code == 400
    assert refused.get_data(as_text=True) == (
        "Felaktig begäran. Tjänsten svarar inte på den här adressen.\n")
    assert client.get("/glomt-losenord",
                      base_url="https://pilotfonden.regionorebrolan.se").status_code == 200
    app.extensions["pilotfonden.engine"].dispose()
