"""No user enumeration by "forgot password": asking does the same work whatever the address
(one count in Redis, one job in PostgreSQL) and looks no account up, so its time cannot tell
either (the job, later and elsewhere, decides whether to send). Counted, not timed, as the
login's check is (test_login_timing.py)."""

from typing import Any

from pydantic import SecretStr

from config import Settings
from services.password_reset_service import PasswordResetService

SETTINGS = Settings(
    database_url=SecretStr("postgresql://u@db/app"), redis_url=SecretStr("redis://r/0")
)


class Recorded:
    """Whatever is called on it is recorded, with the arguments' kinds (not their values)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, tuple(type(a).__name__ for a in (*args, *kwargs.values()))))

        return call


async def test_known_and_unknown_addresses_cost_the_same_calls_and_no_lookup() -> None:
    done = []
    for email in ("ada@example.com", "nobody@example.com"):
        tokens, database, passwords, sessions = Recorded(), Recorded(), Recorded(), Recorded()
        service = PasswordResetService(SETTINGS, database, tokens, passwords, sessions)  # type: ignore[arg-type]
        await service.request(email)
        assert database.calls == [] and passwords.calls == [] and sessions.calls == []
        done.append(tokens.calls)
    assert done[0] == done[1] == [("limit", ("str", "str")), ("request", ("str", "str"))]
