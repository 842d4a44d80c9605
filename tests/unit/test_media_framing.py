"""Framer: exact frames out of arbitrary chunks, remainder carried, padded on flush, dropped on reset."""

from __future__ import annotations

import random

import pytest

from media import Framer


@pytest.mark.parametrize("frame_bytes", [1, 7, 160, 320, 1280])
def test_random_pushes_reassemble_the_input_exactly(frame_bytes: int) -> None:
    rng = random.Random(frame_bytes)
    data = rng.randbytes(50_000)
    framer = Framer(frame_bytes)
    frames: list[bytes] = []
    offset = 0
    while offset < len(data):
        near_a_frame = [0, 1, frame_bytes - 1, frame_bytes, frame_bytes + 1]
        size = rng.choice([*near_a_frame, rng.randint(0, 3 * frame_bytes)])
        frames += framer.push(data[offset : offset + size])
        offset += size
        assert framer.pending == min(offset, len(data)) % frame_bytes
    assert all(len(frame) == frame_bytes for frame in frames)
    whole = len(data) - len(data) % frame_bytes
    assert b"".join(frames) == data[:whole]
    tail = framer.flush()
    if len(data) % frame_bytes:
        assert tail == data[whole:] + bytes(frame_bytes - len(data) % frame_bytes)
    else:
        assert tail is None


def test_push_returns_frames_in_order_and_holds_the_rest() -> None:
    framer = Framer(4)
    assert framer.push(b"ab") == []
    assert framer.pending == 2
    assert framer.push(b"cdefghijk") == [b"abcd", b"efgh"]
    assert framer.pending == 3
    assert framer.push(b"l") == [b"ijkl"]
    assert framer.pending == 0
    assert framer.push(b"") == []


def test_exact_frame_passes_straight_through() -> None:
    framer = Framer(4)
    frame = b"abcd"
    assert framer.push(frame) == [frame]
    assert framer.pending == 0


def test_frames_are_copies_not_views_of_the_caller_buffer() -> None:
    framer = Framer(4)
    source = bytearray(b"abcdefgh")
    frames = framer.push(source)  # type: ignore[arg-type]  # callers may hand over a bytearray
    source[:] = b"XXXXXXXX"
    assert frames == [b"abcd", b"efgh"]
    assert all(type(frame) is bytes for frame in frames)


def test_flush_pads_with_zeros_to_a_full_frame_then_is_empty() -> None:
    framer = Framer(6)
    framer.push(b"\x01\x02\x03\x04\x05\x06\x07\x08")
    assert framer.flush() == b"\x07\x08\x00\x00\x00\x00"
    assert framer.pending == 0
    assert framer.flush() is None
    assert framer.push(b"abcdef") == [b"abcdef"]  # the next stream starts on a frame border


def test_flush_with_nothing_pending_is_none() -> None:
    assert Framer(320).flush() is None


def test_reset_drops_the_remainder() -> None:
    framer = Framer(4)
    assert framer.push(b"abcdef") == [b"abcd"]
    framer.reset()
    assert framer.pending == 0
    assert framer.flush() is None
    assert framer.push(b"wxyz") == [b"wxyz"]  # nothing of "ef" leaks into the next frame


def test_frame_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Framer(0)
