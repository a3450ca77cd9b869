"""httpx for the tests, with one TLS context instead of one per client (every one-shot call
httpx has: `make lint` refuses httpx's own in tests and names these).

An httpx client loads the CA bundle when it is made (~25 ms of CPU with a full bundle in
SSL_CERT_FILE), and httpx.get() and the other one-shot calls make a client per call: ~2,000
times a run, a third of the suite's CPU once the servers start warm. These are the same
calls and clients (a new client per one-shot call: no cookies kept, a new connection) with
the context made once. The suite speaks plain HTTP to loopback; verification stays on."""

from functools import partial
from typing import Any

import httpx

TLS = httpx.create_ssl_context()

request = partial(httpx.request, verify=TLS)
get = partial(httpx.get, verify=TLS)
options = partial(httpx.options, verify=TLS)
head = partial(httpx.head, verify=TLS)
post = partial(httpx.post, verify=TLS)
put = partial(httpx.put, verify=TLS)
patch = partial(httpx.patch, verify=TLS)
delete = partial(httpx.delete, verify=TLS)
stream = partial(httpx.stream, verify=TLS)


class Client(httpx.Client):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(verify=TLS, **kwargs)


class AsyncClient(httpx.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(verify=TLS, **kwargs)
