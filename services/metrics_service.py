"""What /metrics shows, and who may see it."""

import hmac
import ipaddress
from typing import Optional

from config import Settings
from observability.metrics import CONTENT_TYPE, render


class MetricsService:
    content_type = CONTENT_TYPE

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
        return render()
