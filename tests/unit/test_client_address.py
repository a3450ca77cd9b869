"""X-Forwarded-For is believed only from trusted proxies, read right to left."""

import pytest

from web.client_address import ClientAddress, peer_address


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        ([], "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # no trusted proxies: the peer
        (["10.0.0.0/8"], "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # peer not trusted
        (["10.0.0.0/8"], "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (["10.0.0.0/8"], "10.0.0.1", "198.51.100.7, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (["10.0.0.0/8"], "10.0.0.1", "10.0.0.7, 10.0.0.5", "10.0.0.1"),  # all trusted
        (["10.0.0.0/8"], "10.0.0.1", "not-an-ip", "10.0.0.1"),  # garbage: the peer
        (["10.0.0.0/8"], "10.0.0.1", "", "10.0.0.1"),
        (["::1/128"], "::1", "2001:db8::5", "2001:db8::5"),
        (["10.0.0.0/8"], "10.0.0.1", "[2001:db8::5]", "[2001:db8::5]"),
    ],
)
def test_resolve(trusted: list[str], peer: str, forwarded: str, client: str) -> None:
    assert ClientAddress(trusted).resolve(peer, forwarded) == client


def test_peer_address_drops_the_port() -> None:
    assert peer_address("127.0.0.1:5432") == "127.0.0.1"
    assert peer_address("::1:8000") == "::1"
    assert peer_address("nonsense") == "nonsense"
