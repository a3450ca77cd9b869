"""Login sessions: PostgreSQL holds them (the source of truth), Redis holds the denylist of
ended ones (the fast path every authenticated request checks).

A login starts a session; its refresh tokens are a family, one replacing the other at each
refresh. Ending a session (logout, refresh-token reuse, password change, role change,
deactivation) sets `sessions.revoked_at`, then writes `revoked-session:<id>` to Redis, with a
TTL as long as an access token lives. Races are closed in PostgreSQL: a refresh locks its
session row, so a logout and a refresh of one session happen one after the other, and the
token a concurrent refresh mints belongs to a session that is then revoked as a whole.

Redis may lose what it holds (a restart without persistence, a failover to a stale replica):
- a marker key (`revocations-loaded`) is written once the denylist is complete; a check that
  finds it missing asks PostgreSQL instead and has the denylist rebuilt (rebuild_denylist);
- one process at a time (a Redis lock) rewrites the recent revocations every
  RECONCILE_INTERVAL seconds, so a revocation whose Redis write failed, or that a stale
  replica lacks, is enforced again within that interval.
"""

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

import asyncpg
import structlog
from redis.exceptions import RedisError

from config import Settings
from services.batching import Batcher
from services.database_service import DatabaseService
from services.errors import AuthenticationError, DependencyUnavailableError, NotFoundError
from services.redis_service import RedisService
from services.token_service import Principal

log = structlog.get_logger(__name__)

RECONCILE_INTERVAL = 30.0
REBUILD_LOCK_SECONDS = 30


@dataclass(frozen=True)
class Client:
    """Who starts a session, as the request says: its address and user agent."""

    ip: str
    user_agent: Optional[str]


def token_digest(token: str) -> bytes:
    """Refresh tokens are random; only their SHA-256 is stored."""
    return hashlib.sha256(token.encode()).digest()


class SessionService:
    def __init__(self, settings: Settings, database: DatabaseService, redis: RedisService):
        self._db = database
        self._redis = redis
        self._refresh_lifetime = timedelta(days=settings.refresh_token_days)
        # A revoked session's access tokens live at most this long: the denylist entry too.
        self._deny_seconds = settings.jwt_expire_minutes * 60 + settings.jwt_leeway_seconds
        self._marker = redis.key("revocations-loaded")
        self._checks: Batcher[str, tuple[bool, bool]] = Batcher(self._look_up)
        self._rebuilding: Optional[asyncio.Task[None]] = None

    @property
    def refresh_lifetime(self) -> timedelta:
        return self._refresh_lifetime

    def _deny_key(self, session_id: str) -> str:
        return self._redis.key("revoked-session", session_id)

    # --- PostgreSQL: sessions and their refresh tokens (call inside a transaction) ---

    async def start(
        self, conn: asyncpg.Connection, user_id: int, client: Optional[Client] = None
    ) -> tuple[str, str]:
        """A new session for `user_id`, started by `client`: (session id, its first refresh
        token)."""
        session_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO sessions (id, user_id, last_used_at, client_ip, user_agent) "
            "VALUES ($1, $2, now(), $3, $4)",
            session_id,
            user_id,
            client.ip[:64] if client else None,
            client.user_agent[:512] if client and client.user_agent else None,
        )
        return str(session_id), await self.issue_refresh_token(conn, str(session_id))

    async def issue_refresh_token(self, conn: asyncpg.Connection, session_id: str) -> str:
        """The session's next refresh token; the session counts as used now."""
        token = secrets.token_urlsafe(32)
        await conn.execute(
            "UPDATE sessions SET last_used_at = now() WHERE id = $1", uuid.UUID(session_id)
        )
        await conn.execute(
            "INSERT INTO refresh_tokens (session_id, token_hash, expires_at) VALUES ($1, $2, $3)",
            uuid.UUID(session_id),
            token_digest(token),
            datetime.now(UTC) + self._refresh_lifetime,
        )
        return token

    async def revoke(self, conn: asyncpg.Connection, session_ids: list[str]) -> None:
        await conn.execute(
            "UPDATE sessions SET revoked_at = now() WHERE id = ANY($1::uuid[]) "
            "AND revoked_at IS NULL",
            [uuid.UUID(s) for s in session_ids],
        )

    async def revoke_for_user(
        self, conn: asyncpg.Connection, user_id: int, keep: Optional[str] = None
    ) -> list[str]:
        """End every session of the user (but `keep`); returns the ended ones."""
        rows = await conn.fetch(
            "UPDATE sessions SET revoked_at = now() "
            "WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2) "
            "RETURNING id",
            user_id,
            None if keep is None else uuid.UUID(keep),
        )
        return [str(r["id"]) for r in rows]

    # --- What a user sees and ends of their sessions ---

    async def live(self, user_id: int) -> list[asyncpg.Record]:
        """The user's sessions that have not ended (refresh tokens still usable), newest first."""
        return await self._db.fetch(
            "SELECT s.id, s.created_at, s.last_used_at, s.client_ip, s.user_agent "
            "FROM sessions s WHERE s.user_id = $1 AND s.revoked_at IS NULL "
            "AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id "
            "AND t.used_at IS NULL AND t.expires_at > now()) ORDER BY s.created_at DESC",
            user_id,
        )

    async def end(self, user_id: int, session_id: uuid.UUID) -> None:
        """End one of the user's sessions (404 if it is not a live one of theirs)."""
        async with self._db.transaction() as conn:
            ended = await conn.fetchval(
                "UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 "
                "AND revoked_at IS NULL RETURNING id",
                session_id,
                user_id,
            )
        if ended is None:
            raise NotFoundError("No such session of yours (or it has ended).")
        await self.publish([str(session_id)])

    async def end_all(self, user_id: int, keep: Optional[str] = None) -> None:
        """End every session of the user but `keep` (404 if there is no such user)."""
        async with self._db.transaction() as conn:
            if not await conn.fetchval("SELECT true FROM users WHERE id = $1", user_id):
                raise NotFoundError("No user with this id.")
            ended = await self.revoke_for_user(conn, user_id, keep=keep)
        await self.publish(ended)

    # --- Redis: the denylist ---

    async def publish(self, session_ids: list[str]) -> None:
        """Deny the access tokens of these (already revoked) sessions on every worker now.
        Call after the revocation is committed."""
        if not session_ids:
            return
        try:
            async with self._redis.client.pipeline(transaction=False) as pipe:
                for session_id in session_ids:
                    pipe.set(self._deny_key(session_id), 1, ex=self._deny_seconds)
                await pipe.execute()
        except (RedisError, OSError):
            # PostgreSQL has it; the next reconcile writes it (within RECONCILE_INTERVAL).
            log.warning("revocation_not_published", sessions=len(session_ids))

    async def ensure_active(self, principal: Principal) -> None:
        """Raise AuthenticationError if the token's session has ended. Concurrent checks of a
        worker share one MGET (services/batching.py)."""
        try:
            denied, marked = await self._checks(principal.session_id)
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Token revocation cannot be checked.") from exc
        if not marked:  # Redis lost the denylist: PostgreSQL decides, and it is rebuilt
            self._start_rebuild()
            denied = await self._revoked_in_database(principal.session_id)
        if denied:
            raise AuthenticationError("The access token has been revoked.")

    def revocation_keys(self, principal: Principal) -> list[str]:
        """The keys ensure_active reads, for a caller that reads them itself (the rate limiter
        asks in the same round trip: services/request_checks.py)."""
        return [self._deny_key(principal.session_id), self._marker]

    async def decide(self, principal: Principal, denied: bool, marked: bool) -> bool:
        """Whether the session has ended, from the values of revocation_keys()."""
        if not marked:
            self._start_rebuild()
            return await self._revoked_in_database(principal.session_id)
        return denied

    async def _look_up(self, session_ids: list[str]) -> list[tuple[bool, bool]]:
        keys = [self._deny_key(s) for s in session_ids]
        found = await self._redis.client.mget([*keys, self._marker])
        marked = found[-1] is not None
        return [(value is not None, marked) for value in found[:-1]]

    async def _revoked_in_database(self, session_id: str) -> bool:
        revoked = await self._db.fetchval(
            "SELECT revoked_at IS NOT NULL FROM sessions WHERE id = $1", uuid.UUID(session_id)
        )
        return revoked is None or bool(revoked)  # no such session: deleted with its user

    def _start_rebuild(self) -> None:
        if self._rebuilding is None or self._rebuilding.done():
            self._rebuilding = asyncio.get_running_loop().create_task(self.rebuild_denylist())

    async def rebuild_denylist(self, force: bool = False) -> None:
        """Write every recently revoked session to Redis, then the marker. One process at a
        time (a lock in Redis); the others keep asking PostgreSQL until the marker is back."""
        client = self._redis.client
        try:
            if not force and await client.exists(self._marker):
                return
            if not await client.set(
                self._redis.key("revocations-rebuild"), 1, nx=True, ex=REBUILD_LOCK_SECONDS
            ):
                return
            rows = await self._db.fetch(
                "SELECT id, extract(epoch FROM now() - revoked_at) AS age FROM sessions "
                "WHERE revoked_at > now() - make_interval(secs => $1)",
                float(self._deny_seconds),
            )
            async with client.pipeline(transaction=False) as pipe:
                for row in rows:
                    ttl = max(1, int(self._deny_seconds - float(row["age"])))
                    pipe.set(self._deny_key(str(row["id"])), 1, ex=ttl, nx=True)
                pipe.set(self._marker, 1)
                written = await pipe.execute()
            restored = sum(1 for done in written[:-1] if done)  # entries Redis did not have
            # The periodic reconcile finding everything in place is no news (it was an info
            # line every RECONCILE_INTERVAL): only a rebuild that changed something is.
            report = log.info if restored or not force else log.debug
            report("revocation_denylist_rebuilt", sessions=len(rows), restored=restored)
        except (RedisError, OSError, DependencyUnavailableError) as exc:
            log.warning("revocation_denylist_not_rebuilt", error=type(exc).__name__)

    async def reconcile_forever(self) -> None:
        """Started per worker by main.py; at most one process per interval does the work."""
        client = self._redis.client
        while True:
            await asyncio.sleep(RECONCILE_INTERVAL)
            try:
                lock = self._redis.key("revocations-reconcile")
                if await client.set(lock, 1, nx=True, ex=int(RECONCILE_INTERVAL)):
                    await self.rebuild_denylist(force=True)
            except (RedisError, OSError):
                pass  # Redis is away: the marker check covers what it lost
