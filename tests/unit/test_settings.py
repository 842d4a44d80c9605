from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.settings import Settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_defaults() -> None:
    s = settings()
    assert s.port == 8000
    assert s.nova_model_id == "amazon.nova-2-sonic-v1:0"
    assert s.nova_voice == "matthew"
    assert s.nova_backend == "auto"


def test_wss_base_derives_from_public_base_url() -> None:
    assert settings(public_base_url="https://abc.ngrok.app/").public_ws_base == "wss://abc.ngrok.app"
    assert settings(public_base_url="http://127.0.0.1:9000").public_ws_base == "ws://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", 0),
        ("public_base_url", "abc.ngrok.app"),
        ("public_base_url", "https://abc.ngrok.app/?x=1"),
        ("nova_voice", "robot"),
        ("nova_backend", "cloud"),
        ("nova_endpointing", "FAST"),
    ],
)
def test_invalid_values_are_refused_with_the_field_named(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        settings(**{field: value})
    assert field in str(err.value)


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("NOVA_VOICE", "tiffany")
    s = settings()
    assert (s.port, s.nova_voice) == (9123, "tiffany")
