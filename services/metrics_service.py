"""What /metrics shows, and who may see it."""

import hmac
import ipaddress
import os
from typing import Optional

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from config import Settings

CONTENT_TYPE = CONTENT_TYPE_LATEST


class MetricsService:
    def __init__(self, settings: Settings) -> None:
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

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(REGISTRY)
