"""services/batching.py: concurrent calls share a round trip and each gets its own answer."""

import asyncio

import pytest

from services.batching import Batcher


class Recorder:
    def __init__(self, delay: float = 0.01) -> None:
        self.batches: list[list[int]] = []
        self.delay = delay

    async def send(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await asyncio.sleep(self.delay)
        return [item * 10 for item in items]


async def test_a_lone_call_goes_out_at_once() -> None:
    recorder = Recorder()
    assert await Batcher(recorder.send)(3) == 30
    assert recorder.batches == [[3]]


async def test_calls_made_while_a_batch_is_in_flight_share_the_next_one() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.send)
    first = asyncio.create_task(batcher(1))
    await asyncio.sleep(0)  # the first batch is on its way
    rest = [asyncio.create_task(batcher(i)) for i in range(2, 12)]
    assert await asyncio.gather(first, *rest) == [i * 10 for i in range(1, 12)]
    assert recorder.batches == [[1], list(range(2, 12))]


async def test_batches_are_capped() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.send, max_batch=4)
    results = await asyncio.gather(*(batcher(i) for i in range(10)))
    assert results == [i * 10 for i in range(10)]
    assert all(len(batch) <= 4 for batch in recorder.batches)


async def test_a_failed_round_trip_fails_its_batch_only() -> None:
    calls = 0

    async def flaky(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise ConnectionError("redis went away")
        return items

    batcher = Batcher(flaky)
    first = asyncio.create_task(batcher(1))
    await asyncio.sleep(0)
    second = asyncio.create_task(batcher(2))
    with pytest.raises(ConnectionError):
        await first
    assert await second == 2


async def test_a_wrong_number_of_results_fails_the_batch_instead_of_hanging() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    batcher = Batcher(short)
    results = await asyncio.wait_for(
        asyncio.gather(batcher(1), batcher(2), return_exceptions=True), timeout=1
    )
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_a_cancelled_caller_does_not_disturb_the_others() -> None:
    recorder = Recorder(delay=0.05)
    batcher = Batcher(recorder.send)
    first = asyncio.create_task(batcher(1))
    await asyncio.sleep(0)
    leaving = asyncio.create_task(batcher(2))
    staying = asyncio.create_task(batcher(3))
    await asyncio.sleep(0.01)
    leaving.cancel()
    assert await first == 10 and await staying == 30
    assert leaving.cancelled()


async def test_cancelling_the_sender_cancels_whoever_waits() -> None:
    started = asyncio.Event()

    async def stuck(items: list[int]) -> list[int]:
        started.set()
        await asyncio.sleep(60)
        return items

    batcher = Batcher(stuck)
    waiting = asyncio.create_task(batcher(1))
    await started.wait()
    assert batcher._sender is not None
    batcher._sender.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
