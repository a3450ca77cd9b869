"""Authentication for the schemathesis CLI runs of tests/test_api_fuzz.py
(SCHEMATHESIS_HOOKS=tests.fuzz_hooks). Before each case the account is put back as it was
(the fuzzer may have logged it out, changed its password, role or active flag through the API)
and logged in again, so every case runs with a valid token of the right role."""

import asyncio
import hashlib
import os
import re
import secrets
import uuid
from typing import Any

import asyncpg
import schemathesis
from requests.structures import CaseInsensitiveDict

from models.pagination import CURSOR_PATTERN, encode_cursor
from tests import http

ENV = os.environ
# A key of each sort order, as a real page's last item would give it.
CURSOR_KEYS: dict[str, str | int] = {"id": 1, "name": "M", "price": "1.00", "-price": "1.00"}


# What no schema can say: that a cursor is one the API gave out, that a product id names a
# product that exists, that an Idempotency-Key was not used before with another body.
# Refusing those is right; the fuzzer cannot know.
UNKNOWABLE = (
    {
        "loc": ["query", "cursor"],
        "msg": "is not a cursor this API gave out",
        "type": "cursor_invalid",
    },
    # example-shop:begin
    {"msg": "No such product (or archived).", "type": "value_error"},
    {"loc": ["header", "Idempotency-Key"], "msg": "This key was used with another request body."},
    # example-shop:end
)


def _unknowable(error: dict[str, Any]) -> bool:
    return any(all(error.get(k) == v for k, v in known.items()) for known in UNKNOWABLE)


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext, failure: Any, case: schemathesis.Case, response: Any
) -> bool:
    """The coverage phase does not go through map_query: its made-up cursors are refused as
    they should be; so are orders of products that do not exist, and a key reused with
    another body. Only such refusals are dropped, when they are the request's only errors. So
    is an upload's refusal of the file itself: no schema can say which bytes (and names) are an
    image, and schemathesis names every file part "file", with no extension."""
    if getattr(failure, "code", "") != "ST202":
        return True
    # example-shop:begin
    if case.operation.path == "/products/{product_id}/images" and _refuses_the_file(response):
        return False
    # example-shop:end
    if response.status_code != 422:
        return True
    try:
        errors = response.json().get("errors", [])
    except ValueError:
        return True
    return not (errors and all(_unknowable(e) for e in errors))


# example-shop:begin
def _refuses_the_file(response: Any) -> bool:
    if response.status_code == 415:
        return True
    try:
        errors = response.json().get("errors", []) if response.status_code == 422 else []
    except ValueError:
        return False
    return bool(errors) and all(error.get("loc") == ["body", "file"] for error in errors)


# example-shop:end


@schemathesis.hook
def map_query(context: schemathesis.HookContext, query: Any) -> Any:
    """A cursor is opaque: no schema can tell the strings the API gave out from the rest, so a
    made-up cursor the schema allows is swapped for a real one of the query's sort (made the
    way the API makes them). Cursors the schema refuses stay, to be refused."""
    cursor = query.get("cursor") if isinstance(query, dict) else None
    if isinstance(cursor, str) and re.fullmatch(CURSOR_PATTERN, cursor):
        # example-shop:begin
        path = context.operation.path if context.operation is not None else ""
        if path == "/orders":  # newest first
            query["cursor"] = encode_cursor("-id", 1, 1)
            return query
        # example-shop:end
        sort = query.get("sort") if query.get("sort") in CURSOR_KEYS else "id"
        query["cursor"] = encode_cursor(sort, CURSOR_KEYS[sort], 1)
    return query


async def _restore(user_id: int, role: str, password_hash: str) -> None:
    conn = await asyncpg.connect(ENV["FUZZ_DATABASE_URL"])
    try:
        await conn.execute(
            "UPDATE users SET is_active = true, role = $2, password_hash = $3 WHERE id = $1",
            user_id,
            role,
            password_hash,
        )
        # Two-factor sign-in the fuzzer enrolled in would turn the next login into a challenge.
        await conn.execute("DELETE FROM totp_factors WHERE user_id = $1", user_id)
    finally:
        await conn.close()


# The e-mailed links' tokens exist only in e-mails: for the account's cases, a made-up token
# the schema allows is swapped for one issued here as the e-mail job would (its SHA-256 in
# account_tokens), so the fuzzer gets through verification and reset too.
LINK_PURPOSES = {
    "/auth/verify-email": "verify_email",
    "/auth/password-reset/confirm": "reset_password",
}


async def _issue(purpose: str, token: str) -> None:
    conn = await asyncpg.connect(ENV["FUZZ_DATABASE_URL"])
    try:
        bound = ENV["FUZZ_EMAIL"].lower() if purpose == "verify_email" else ENV["FUZZ_HASH"]
        await conn.execute(
            "INSERT INTO account_tokens (id, user_id, purpose, token_hash, bound_to, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, now() + interval '1 hour')",
            uuid.uuid4(),
            int(ENV["FUZZ_USER_ID"]),
            purpose,
            hashlib.sha256(token.encode()).digest(),
            hashlib.sha256(bound.encode()).digest(),
        )
    finally:
        await conn.close()


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    path = context.operation.path if context.operation is not None else ""
    purpose = LINK_PURPOSES.get(path)
    if purpose and ENV.get("FUZZ_EMAIL") and isinstance(body, dict):
        token = body.get("token")
        if isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token):
            body["token"] = secrets.token_urlsafe(32)
            asyncio.run(_issue(purpose, body["token"]))
    return body


if ENV.get("FUZZ_EMAIL"):

    @schemathesis.auth(refresh_interval=None)
    class Login:
        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
            asyncio.run(_restore(int(ENV["FUZZ_USER_ID"]), ENV["FUZZ_ROLE"], ENV["FUZZ_HASH"]))
            response = http.post(
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
