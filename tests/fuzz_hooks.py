"""Authentication for the schemathesis CLI runs of tests/test_api_fuzz.py
(SCHEMATHESIS_HOOKS=tests.fuzz_hooks). Before each case the account is put back as it was
(the fuzzer may have logged it out, changed its password, role or active flag through the API)
and logged in again, so every case runs with a valid token of the right role."""

import asyncio
import os

import asyncpg
import httpx
import schemathesis
from requests.structures import CaseInsensitiveDict

ENV = os.environ


async def _restore(user_id: int, role: str, password_hash: str) -> None:
    conn = await asyncpg.connect(ENV["FUZZ_DATABASE_URL"])
    try:
        await conn.execute(
            "UPDATE users SET is_active = true, role = $2, password_hash = $3 WHERE id = $1",
            user_id, role, password_hash,
        )  # fmt: skip
    finally:
        await conn.close()


if ENV.get("FUZZ_EMAIL"):

    @schemathesis.auth(refresh_interval=None)
    class Login:
        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
            asyncio.run(_restore(int(ENV["FUZZ_USER_ID"]), ENV["FUZZ_ROLE"], ENV["FUZZ_HASH"]))
            response = httpx.post(
                ENV["FUZZ_BASE_URL"] + "/auth/login",
                json={"email": ENV["FUZZ_EMAIL"], "password": ENV["FUZZ_PASSWORD"]},
            )
            response.raise_for_status()
            return str(response.json()["access_token"])

        def set(
            self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext
        ) -> None:
            if case.headers is None:
                case.headers = CaseInsensitiveDict()
            case.headers["Authorization"] = f"Bearer {data}"
