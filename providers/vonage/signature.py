"""Vonage signed webhooks: ``Authorization: Bearer <JWT>``, HS256 with the account's signature secret.

The JWT has no ``exp``; freshness comes from ``iat``. Its ``payload_hash`` is the SHA-256 of the body
(POST) or, for the default GET answer webhook, of the query parameters as compact JSON in their order
(Vonage support article 19033783342876); we also accept the hash of the raw query string, which some
accounts produce. The same JWT arrives on the WebSocket upgrade when the NCCO endpoint asks for
``authorization: {"type": "vonage"}``: there is no body then, so no hash is checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import jwt

MAX_AGE_S = 300
CLOCK_SKEW_S = 30


class SignatureError(Exception):
    """Why a signed request was refused (``missing``, ``bad_signature``, ``stale``, ``payload_hash``, …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def query_payload_hashes(query_items: Sequence[tuple[str, str]], raw_query: str) -> set[str]:
    compact = json.dumps(dict(query_items), separators=(",", ":"), ensure_ascii=False).encode()
    return {_hash(compact), _hash(raw_query.encode())}


def verify_vonage_jwt(
    authorization: str,
    secret: str,
    *,
    body: bytes | None = None,
    query: tuple[Sequence[tuple[str, str]], str] | None = None,
    application_id: str = "",
    now: float | None = None,
) -> dict[str, Any]:
    """Return the claims of a valid Vonage JWT, or raise :class:`SignatureError`.

    Give ``body`` for a POST, ``query`` (items in order, raw string) for a GET, neither for a WebSocket.
    """
    if not secret:
        raise SignatureError("no_secret_configured")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise SignatureError("missing")
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError as exc:
        raise SignatureError("bad_signature") from exc
    except jwt.PyJWTError as exc:
        raise SignatureError("malformed") from exc
    issued = claims.get("iat")
    current = time.time() if now is None else now
    if not isinstance(issued, int | float) or not (current - MAX_AGE_S <= issued <= current + CLOCK_SKEW_S):
        raise SignatureError("stale")
    if application_id and claims.get("application_id") not in (None, application_id):
        raise SignatureError("wrong_application")
    expected = claims.get("payload_hash")
    if expected is not None and (body is not None or query is not None):
        candidates = {_hash(body)} if body is not None else query_payload_hashes(*query)  # type: ignore[misc]
        if not any(hmac.compare_digest(str(expected), c) for c in candidates):
            raise SignatureError("payload_hash")
    return claims
