"""Per-call media-socket tokens: HMAC-signed, short-lived, single-use, bound to one call.

The webhook that answers a call mints a token naming the call and the agent profile; the provider
carries it to the media socket (a TwiML ``<Parameter>``, a Vonage header). Any replica holding the
secret can verify it, so the socket may land on a different process than the webhook did. Single use is
enforced per process (the used-nonce set lives in the app's registry); across replicas the short expiry
bounds a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

TOKEN_VERSION = "v1"


class TokenError(Exception):
    """A refused token; ``reason`` is malformed, bad_signature, expired, wrong_call or reused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TokenClaims:
    call_id: str
    profile: str
    expires_at: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CallTokens:
    def __init__(self, secret: bytes, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the call-token secret must be at least 16 bytes")
        self._secret = secret
        self._ttl_s = ttl_s
        self._clock = clock
        self._used: dict[str, float] = {}

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:20])

    def mint(self, call_id: str, profile: str = "default") -> str:
        expires = int(self._clock() + self._ttl_s)
        fields = [
            TOKEN_VERSION,
            _b64(call_id.encode()),
            _b64(profile.encode()),
            str(expires),
            secrets.token_hex(8),
        ]
        body = ".".join(fields)
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, call_id: str | None = None) -> TokenClaims:
        """Check signature, expiry, call binding and single use, in that order. Consumes the token."""
        parts = token.split(".")
        if len(parts) != 6 or parts[0] != TOKEN_VERSION or len(token) > 512:
            raise TokenError("malformed")
        body, signature = ".".join(parts[:5]), parts[5]
        if not hmac.compare_digest(signature, self._sign(body)):
            raise TokenError("bad_signature")
        try:
            claims = TokenClaims(
                call_id=_unb64(parts[1]).decode(),
                profile=_unb64(parts[2]).decode(),
                expires_at=float(parts[3]),
                nonce=parts[4],
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise TokenError("malformed") from exc
        now = self._clock()
        if claims.expires_at < now:
            raise TokenError("expired")
        if call_id is not None and not hmac.compare_digest(claims.call_id, call_id):
            raise TokenError("wrong_call")
        self._forget_expired(now)
        if claims.nonce in self._used:
            raise TokenError("reused")
        self._used[claims.nonce] = claims.expires_at
        return claims

    def _forget_expired(self, now: float) -> None:
        if len(self._used) > 256:
            self._used = {nonce: exp for nonce, exp in self._used.items() if exp >= now}
