"""More requests in flight than Redis connections: they wait for a connection, none fails."""

import asyncio

from tests import http
from tests.accounts import register
from tests.conftest import StartServer


def test_a_burst_beyond_the_pool_size_waits_instead_of_failing(
    start_server: StartServer,
) -> None:
    srv = start_server(REDIS_MAX_CONNECTIONS="2")
    account = register(srv.url)

    async def burst() -> list[int]:
        async with http.AsyncClient(base_url=srv.url, headers=account.headers) as client:
            responses = await asyncio.gather(*(client.get("/users/me") for _ in range(40)))
        return [r.status_code for r in responses]

    assert asyncio.run(burst()) == [200] * 40
