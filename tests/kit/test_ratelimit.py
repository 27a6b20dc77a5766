"""The sliding-window limiter: limits per key, slides, forgets idle keys, holds under threads."""

from __future__ import annotations

import threading

import pytest

from stepdown.kit.ratelimit import Decision, SlidingWindowLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_allows_up_to_the_limit_then_refuses_with_the_wait(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert limiter.hit("a") == Decision(True, 0.0)
        clock.now += 10
    assert limiter.hit("a") == Decision(False, 30.0)  # the first hit leaves the window at +60


def test_keys_are_counted_apart(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(limit=1, window=60, clock=clock)
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed


def test_the_window_slides_rather_than_resetting(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(limit=2, window=60, clock=clock)
    assert limiter.hit("a").allowed  # t=0
    clock.now += 40
    assert limiter.hit("a").allowed  # t=40
    clock.now += 20
    assert limiter.hit("a").allowed  # t=60: the first hit just left
    assert not limiter.hit("a").allowed
    clock.now += 39
    assert not limiter.hit("a").allowed  # t=99: hits at 40 and 60 still count
    clock.now += 1
    assert limiter.hit("a").allowed  # t=100


def test_refused_attempts_do_not_push_the_wait_back(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(limit=1, window=60, clock=clock)
    assert limiter.hit("a").allowed
    for _ in range(50):
        clock.now += 1
        assert not limiter.hit("a").allowed
    clock.now += 10
    assert limiter.hit("a").allowed


def test_idle_keys_are_forgotten(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(limit=5, window=60, clock=clock)
    for n in range(100):
        limiter.hit(f"visitor-{n}")
    assert limiter.tracked_keys() == 100
    clock.now += 61
    limiter.hit("latest")
    assert limiter.tracked_keys() == 1


def test_concurrent_hits_never_exceed_the_limit() -> None:
    limiter = SlidingWindowLimiter(limit=25, window=3600)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            decision = limiter.hit("same")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 25
    assert len(allowed) == 160


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (1, 0), (1, -5)])
def test_nonsense_settings_are_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="positive window"):
        SlidingWindowLimiter(limit=limit, window=window)
