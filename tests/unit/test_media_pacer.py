"""Pacer: burst up to the lead, then 1x real time; catch-up after stalls; barge-in; bounded queue."""

from __future__ import annotations

import itertools

import pytest

from media import Pacer

FRAME_S = 0.02


def frames(n: int, start: int = 0) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(start, start + n)]


def loaded(n: int, **kwargs: int) -> Pacer:
    pacer = Pacer(**kwargs)
    for frame in frames(n):
        pacer.push(frame)
    return pacer


def test_initial_burst_fills_the_lead_then_one_frame_per_frame_period() -> None:
    pacer = loaded(20, frame_ms=20, lead_ms=120)
    assert pacer.pop_due(0.0) == frames(6)  # 6 × 20 ms = the whole lead, at once
    assert pacer.buffered_ms(0.0) == pytest.approx(120)
    assert pacer.pop_due(0.0) == []
    assert pacer.pop_due(0.019) == []
    assert pacer.pop_due(0.02) == frames(1, start=6)
    assert pacer.pop_due(0.03) == []
    assert pacer.pop_due(0.04) == frames(1, start=7)
    assert pacer.frames_sent == 8
    assert pacer.queued_frames == 12
    assert pacer.queued_ms == 240


def test_a_late_wakeup_releases_everything_that_became_due() -> None:
    pacer = loaded(20, frame_ms=20, lead_ms=120)
    pacer.pop_due(0.0)
    assert len(pacer.pop_due(0.1)) == 5  # frames due at 0.02, 0.04, 0.06, 0.08 and 0.10
    assert pacer.buffered_ms(0.1) == pytest.approx(120)


def test_driven_by_next_due_it_runs_at_exactly_real_time_with_the_lead_bounded() -> None:
    pacer = loaded(500, frame_ms=20, lead_ms=100)
    now = 1000.0
    sent = len(pacer.pop_due(now))
    assert sent == 5
    times = []
    while (due := pacer.next_due(now)) is not None:
        now = due
        popped = pacer.pop_due(now)
        assert len(popped) == 1  # never zero (no busy loop), never two (no bursts)
        assert 80 - 1e-6 <= pacer.buffered_ms(now) <= 100 + 1e-6
        times.append(now)
        sent += 1
    assert sent == 500
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(FRAME_S, abs=1e-9)
    assert max(gaps) == pytest.approx(FRAME_S, abs=1e-9)
    assert times[-1] == pytest.approx(1000.0 + 495 * FRAME_S)


def test_catch_up_after_a_stall_carries_no_delay() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=120)
    pacer.push(b"a")
    assert pacer.pop_due(0.0) == [b"a"]
    assert pacer.buffered_ms(0.0) == pytest.approx(20)
    assert pacer.buffered_ms(0.5) == 0
    # One second later the provider has long run dry: the lead is refilled at once, not one by one.
    for frame in frames(10):
        pacer.push(frame)
    assert pacer.next_due(1.0) == 1.0
    assert pacer.pop_due(1.0) == frames(6)
    assert pacer.buffered_ms(1.0) == pytest.approx(120)
    assert pacer.next_due(1.0) == pytest.approx(1.02)  # then real time again, from now
    assert pacer.pop_due(1.02) == frames(1, start=6)


def test_partial_buffer_is_topped_up_only_to_the_lead() -> None:
    pacer = loaded(3, frame_ms=20, lead_ms=120)
    pacer.pop_due(0.0)  # the provider now holds 60 ms
    for frame in frames(10, start=3):
        pacer.push(frame)
    assert pacer.buffered_ms(0.03) == pytest.approx(30)
    assert pacer.pop_due(0.03) == frames(4, start=3)  # 30 + 4 × 20 = 110 ms ≤ 120 < 130
    assert pacer.next_due(0.03) == pytest.approx(0.04)


def test_next_due() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=60)
    assert pacer.next_due(5.0) is None  # nothing queued
    pacer.push(b"x")
    assert pacer.next_due(5.0) == 5.0  # provider empty: at once
    pacer.push(b"y")
    pacer.push(b"z")
    pacer.push(b"w")
    pacer.pop_due(5.0)
    assert pacer.next_due(5.0) == pytest.approx(5.02)
    assert pacer.next_due(5.01) == pytest.approx(5.02)
    assert pacer.next_due(5.5) == 5.5  # overdue: now
    assert pacer.pop_due(5.5) == [b"w"]
    assert pacer.next_due(5.5) is None


def test_pop_due_at_next_due_always_sends_despite_float_rounding() -> None:
    pacer = loaded(2000, frame_ms=20, lead_ms=120)
    now = 123456.789
    pacer.pop_due(now)
    for step in range(1, 1990):
        due = pacer.next_due(now + 0.0137 * (step % 3))
        assert due is not None
        now = due
        assert pacer.pop_due(now), f"nothing released at next_due, step {step}"


def test_clear_drops_the_queue_and_resets_the_provider_model() -> None:
    pacer = loaded(10, frame_ms=20, lead_ms=60)
    assert len(pacer.pop_due(0.0)) == 3
    assert pacer.buffered_ms(0.0) == pytest.approx(60)
    assert pacer.clear() == 7
    assert pacer.queued_frames == 0
    assert pacer.queued_ms == 0
    assert pacer.buffered_ms(0.0) == 0
    assert pacer.next_due(0.0) is None
    assert pacer.frames_sent == 3  # what was already sent stays counted
    assert pacer.frames_dropped == 0  # barge-in drops are returned, not counted as overflow
    # The provider flushed its buffer as well: the next turn gets the full lead at once.
    for frame in frames(5, start=100):
        pacer.push(frame)
    assert pacer.pop_due(0.01) == frames(3, start=100)
    assert pacer.clear() == 2
    assert pacer.clear() == 0


def test_queue_is_bounded_by_dropping_the_oldest() -> None:
    pacer = loaded(8, frame_ms=20, lead_ms=20, max_queue_ms=100)
    assert pacer.queued_frames == 5
    assert pacer.queued_ms == 100
    assert pacer.frames_dropped == 3
    assert pacer.pop_due(0.0) == frames(1, start=3)  # frames 0, 1, 2 were the ones dropped
    assert pacer.pop_due(1.0) == frames(1, start=4)
    assert pacer.frames_dropped == 3


def test_default_queue_holds_two_minutes() -> None:
    pacer = loaded(6001)
    assert pacer.queued_frames == 6000
    assert pacer.frames_dropped == 1


def test_lead_that_is_not_a_whole_number_of_frames_rounds_down() -> None:
    pacer = loaded(10, frame_ms=20, lead_ms=50)
    assert len(pacer.pop_due(0.0)) == 2  # 40 ms ≤ 50 ms < 60 ms


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frame_ms": 0},
        {"frame_ms": 20, "lead_ms": 10},  # less than a frame: nothing could ever be sent
        {"frame_ms": 20, "max_queue_ms": 10},
    ],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Pacer(**kwargs)
