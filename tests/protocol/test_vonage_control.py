"""Vonage hang-up and transfer through the real vonage SDK, against a local fake of the REST API."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from providers.vonage.control import VonageCallControl, VonageNotConfigured
from tests.fakes.rest_api import fake_rest_api


def rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def test_hang_up_and_transfer(monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = rsa_pem()
    async with fake_rest_api() as api:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(api.certs.ca_file))
        api.status = 204
        control = VonageCallControl("app-1", private, api_host=api.host)
        await control.hang_up("call-uuid-1")
        await control.transfer_to_number(
            "call-uuid-1", "+14155550100", "14155550199", announcement="Transferring."
        )
    hangup, transfer = api.requests
    assert (hangup.method, hangup.path) == ("PUT", "/v1/calls/call-uuid-1")
    assert json.loads(hangup.body) == {"action": "hangup"}
    token = hangup.headers["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, public, algorithms=["RS256"])["application_id"] == "app-1"
    assert json.loads(transfer.body) == {
        "action": "transfer",
        "destination": {
            "type": "ncco",
            "ncco": [
                {"action": "talk", "text": "Transferring."},
                {
                    "action": "connect",
                    "endpoint": [{"type": "phone", "number": "14155550100"}],
                    "from": "14155550199",
                },
            ],
        },
    }


async def test_missing_credentials_are_a_clear_error() -> None:
    with pytest.raises(VonageNotConfigured, match="VONAGE_APPLICATION_ID"):
        await VonageCallControl("", "").hang_up("u")
