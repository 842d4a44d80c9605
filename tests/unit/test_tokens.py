from __future__ import annotations

import pytest

from app.tokens import CallTokens, TokenError


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[CallTokens, Clock]:
    clock = Clock()
    return CallTokens(b"0123456789abcdef0123", ttl_s=60, clock=clock), clock


def test_round_trip_carries_call_and_profile() -> None:
    tokens, _ = make()
    claims = tokens.verify(tokens.mint("CA123", "sales"), "CA123")
    assert (claims.call_id, claims.profile) == ("CA123", "sales")


def test_expired_token_is_refused() -> None:
    tokens, clock = make()
    token = tokens.mint("CA1")
    clock.now += 61
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token, "CA1")


def test_tampered_token_is_refused() -> None:
    tokens, _ = make()
    token = tokens.mint("CA1", "default")
    parts = token.split(".")
    parts[2] = "c2FsZXM"  # profile "sales" swapped in without re-signing
    with pytest.raises(TokenError, match="bad_signature"):
        tokens.verify(".".join(parts), "CA1")
    other = CallTokens(b"another-secret-entirely", ttl_s=60)
    with pytest.raises(TokenError, match="bad_signature"):
        other.verify(token, "CA1")


def test_reuse_is_refused() -> None:
    tokens, _ = make()
    token = tokens.mint("CA1")
    tokens.verify(token, "CA1")
    with pytest.raises(TokenError, match="reused"):
        tokens.verify(token, "CA1")


def test_token_for_another_call_is_refused() -> None:
    tokens, _ = make()
    with pytest.raises(TokenError, match="wrong_call"):
        tokens.verify(tokens.mint("CA1"), "CA2")


@pytest.mark.parametrize("junk", ["", "v1", "v2.a.b.c.d.e", "v1.a.b.c.d.e.f", "x" * 600])
def test_malformed_tokens(junk: str) -> None:
    tokens, _ = make()
    with pytest.raises(TokenError, match="malformed"):
        tokens.verify(junk)


def test_short_secret_is_rejected() -> None:
    with pytest.raises(ValueError):
        CallTokens(b"short", ttl_s=10)
