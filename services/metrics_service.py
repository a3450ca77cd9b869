"""What /metrics shows, and who may see it: the workers' metrics, and the durable jobs by
status, read from PostgreSQL at scrape time (the job workers are other processes, maybe on
other hosts; the queue is the one place that knows)."""

import asyncio
import hmac
import ipaddress
from typing import Optional

from config import Settings
from observability.metrics import CONTENT_TYPE, render
from services.errors import DependencyUnavailableError
from services.job_service import JobQueue

JOBS_HELP = (
    "# HELP jobs Durable jobs by status, from the queue in PostgreSQL at scrape time.\n"
    "# TYPE jobs gauge\n"
)


class MetricsService:
    content_type = CONTENT_TYPE

    def __init__(self, settings: Settings, jobs: JobQueue) -> None:
        self._jobs = jobs
        self._timeout = settings.health_timeout
        self._token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        self._networks = [
            ipaddress.ip_network(n, strict=False) for n in settings.metrics_allowed_networks
        ]

    def allows(self, client_ip: str, bearer_token: Optional[str]) -> bool:
        """From an allowed network, and with the token when one is configured."""
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        if not any(address in network for network in self._networks):
            return False
        if self._token is None:
            return True
        return bearer_token is not None and hmac.compare_digest(bearer_token, self._token)

    async def render(self) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                counts = await self._jobs.counts()
        except (DependencyUnavailableError, TimeoutError):
            return render()  # the rest of the metrics matter most when PostgreSQL is down
        lines = "".join(f'jobs{{status="{status}"}} {n}\n' for status, n in counts.items())
        return render() + (JOBS_HELP + lines).encode()
