"""Call control through the Vonage Voice REST API, with the official (synchronous) SDK in a thread.

Hang-up uses the REST API rather than closing our socket, so Vonage does not raise a ``disconnected``
event and move on to the NCCO's next action. Transfer replaces the call's NCCO (e.g. connect to a human).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from vonage import Auth, HttpClientOptions, Vonage
from vonage_voice import Connect, PhoneEndpoint, Talk

log = logging.getLogger(__name__)


class VonageNotConfigured(Exception):
    """VONAGE_APPLICATION_ID / VONAGE_PRIVATE_KEY are needed for call control."""


def load_private_key(value: str) -> str:
    """The key as PEM text, whether the setting holds a path or the PEM itself (with literal \\n allowed)."""
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n")
    return Path(value).expanduser().read_text()


class VonageCallControl:
    def __init__(self, application_id: str, private_key: str, api_host: str = "api.nexmo.com") -> None:
        self._application_id = application_id
        self._private_key = private_key
        self._api_host = api_host
        self._client: Vonage | None = None

    def _vonage(self) -> Vonage:
        if self._client is None:
            if not self._application_id or not self._private_key:
                raise VonageNotConfigured("set VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY for call control")
            auth = Auth(application_id=self._application_id, private_key=load_private_key(self._private_key))
            self._client = Vonage(auth, HttpClientOptions(api_host=self._api_host, timeout=10))
        return self._client

    async def hang_up(self, uuid: str) -> None:
        log.info("vonage.hangup", extra={"call_id": uuid})
        await asyncio.to_thread(self._vonage().voice.hangup, uuid)

    async def transfer_to_number(
        self, uuid: str, number: str, from_number: str, announcement: str = ""
    ) -> None:
        """Move the caller to a phone number (a human agent), optionally saying something first."""
        actions: list[Talk | Connect] = [Talk(text=announcement)] if announcement else []
        actions.append(
            Connect(endpoint=[PhoneEndpoint(number=number.lstrip("+"))], from_=from_number.lstrip("+"))
        )
        log.info("vonage.transfer", extra={"call_id": uuid})
        await asyncio.to_thread(self._vonage().voice.transfer_call_ncco, uuid, actions)
