"""The client's address: the peer, or from X-Forwarded-For when the peer is a trusted proxy.

X-Forwarded-For is read right to left, skipping trusted proxies; the first address that is
not one of them is the client. Anyone can send the header, so it is believed only from the
proxies listed in TRUSTED_PROXIES.
"""

import ipaddress
from collections.abc import Iterable
from typing import Optional

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddress:
    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self._trusted: list[Network] = [
            ipaddress.ip_network(n, strict=False) for n in trusted_proxies
        ]

    def resolve(self, peer: str, forwarded_for: Optional[str]) -> str:
        if not self._trusted or not forwarded_for or not self._is_trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            if not self._is_trusted(hop):
                return hop if _parse(hop) is not None else peer
        return peer

    def _is_trusted(self, address: str) -> bool:
        ip = _parse(address)
        return ip is not None and any(ip in network for network in self._trusted)


def peer_address(client: str) -> str:
    """RSGI gives the peer as "ip:port" ("[::1]:port" style for IPv6 is not used by granian)."""
    host, _, port = client.rpartition(":")
    return host if port.isdigit() and host else client


def _parse(address: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
