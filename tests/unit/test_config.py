"""Settings: safe defaults, and a clear message for a bad value (never leaking a password)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import DEV_SECRET, Settings
from app.main import StartupError, connect_database


class TestSettings:
    def test_defaults_are_the_embedded_run(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("DATABASE_URL", "REDIS_URL", "BASE_URL", "SECRET_KEY"):
            monkeypatch.delenv(name, raising=False)
        settings = Settings()
        assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/plein.db")
        assert settings.redis_url is None
        assert not settings.secure_cookies

    def test_plain_postgresql_url_gets_the_psycopg_driver(self) -> None:
        settings = Settings(database_url="postgresql://plein:geheim@db.internal/plein")
        assert settings.database_url.startswith("postgresql+psycopg://")
        assert "geheim" not in settings.database_url_safe

    @pytest.mark.parametrize(("field", "value", "needle"), [
        ("database_url", "mysql://x@y/z", "DATABASE_URL"),
        ("database_url", "not a url", "DATABASE_URL"),
        ("redis_url", "http://localhost:6379", "REDIS_URL"),
        ("base_url", "plein.example", "BASE_URL"),
        ("secret_key", "short", "SECRET_KEY"),
        ("session_idle_minutes", "0", "session_idle_minutes"),
    ])
    def test_bad_values_are_named(self, field: str, value: str, needle: str) -> None:
        with pytest.raises(ValidationError) as info:
            Settings(**{field: value})
        assert needle in str(info.value)

    def test_production_needs_its_own_secret(self) -> None:
        with pytest.raises(ValueError, match="SECRET_KEY"):
            Settings(environment="production", secret_key=DEV_SECRET).check_production()

    def test_https_base_url_makes_cookies_secure(self) -> None:
        assert Settings(base_url="https://plein.example/").secure_cookies


class TestUnreachableDatabase:
    def test_error_names_the_url_without_the_password(self) -> None:
        settings = Settings(database_url="postgresql://plein:supergeheim@127.0.0.1:1/plein")
        with pytest.raises(StartupError) as info:
            connect_database(settings)
        message = str(info.value)
        assert "127.0.0.1:1/plein" in message
        assert "supergeheim" not in message
        assert "***" in message


class TestOneSourceOfSettings:
    def test_the_services_read_what_the_app_was_given(self, settings, db) -> None:
        from app.config import get_settings
        from app.main import create_app
        from app.services import accounts

        given = settings.model_copy(update={"base_url": "https://plein.example"})
        app = create_app(given, database=db)
        assert get_settings() is app.state.settings is given
        assert accounts.invite_url("abc") == "https://plein.example/invite/abc"


class TestProductionChecks:
    STRONG = "k9-Qz3vLx7_Tm2pR8sWn4yHb6cJd1fGe0aUo5iKt"

    def test_a_long_but_weak_secret_is_refused(self) -> None:
        with pytest.raises(ValueError, match="too weak"):
            Settings(environment="production", secret_key="x" * 64, smtp_url="smtp://mail").check_production()

    def test_mail_needs_smtp_or_an_explicit_log_setting(self) -> None:
        with pytest.raises(ValueError, match="SMTP_URL must be set in production"):
            Settings(environment="production", secret_key=self.STRONG).check_production()
        Settings(environment="production", secret_key=self.STRONG, mail_to_log=True).check_production()
        Settings(environment="production", secret_key=self.STRONG, smtp_url="smtp://mail").check_production()


def test_every_setting_is_in_the_operations_guide() -> None:
    """docs/operations.md is where an operator looks a setting up: each one is named there, in full."""
    from app.config import ROOT, Settings

    guide = (ROOT / "docs" / "operations.md").read_text()
    assert [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in guide] == []
