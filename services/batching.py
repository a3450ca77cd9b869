"""Coalescing of concurrent Redis calls within one worker.

A Redis command costs a worker far more in the client (building and parsing it) than it costs
Redis; under load many requests of one worker want the same kind of command at the same time.
`Batcher` sends them together: while one batch is on its way to Redis, new calls wait for the
next one, which carries them all. Alone, a call goes out at once (one loop iteration later);
under load, one round trip serves many requests. Nothing is approximated: each call gets its
own answer, so it fits checks that must stay exact (rate limits, token revocation).
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, Optional, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Batcher(Generic[Item, Result]):
    def __init__(
        self, send: Callable[[list[Item]], Awaitable[list[Result]]], max_batch: int = 256
    ) -> None:
        self._send = send  # one round trip for a list of items; one result per item, in order
        self._max = max_batch  # bounds the time Redis spends on one script or command
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._sender: Optional[asyncio.Task[None]] = None

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if self._sender is None:
            self._sender = loop.create_task(self._send_pending())
        return await future

    async def _send_pending(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._pending:
                batch = self._pending[: self._max]
                del self._pending[: self._max]
                try:
                    results = await self._send([item for item, _ in batch])
                    if len(results) != len(batch):  # never leave a request waiting forever
                        raise RuntimeError(f"{len(results)} results for {len(batch)} calls")
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # its request may have been cancelled meanwhile
                        future.set_result(result)
        except asyncio.CancelledError:  # the loop is shutting down: nobody is left waiting
            for _, future in [*batch, *self._pending]:
                future.cancel()
            self._pending.clear()
            raise
        finally:
            self._sender = None
