"""Your sessions: see them, end one, end all the others; an admin ends all of a user's. Ending
takes effect at once on every worker and replica (services/session_service.py)."""

import uuid
from typing import Annotated

from velithon.params import Path
from velithon.responses import JSONResponse, Response

from containers import Provide, container
from endpoints.dependencies import current_user
from models.session import SessionList, SessionOut
from services.session_service import SessionService
from services.token_service import Principal


async def list_sessions(
    me: Annotated[Principal, current_user], sessions: SessionService = Provide[container.sessions]
) -> JSONResponse:
    rows = await sessions.live(me.user_id)
    items = [
        SessionOut.model_validate({**dict(r), "current": str(r["id"]) == me.session_id})
        for r in rows
    ]
    return JSONResponse(SessionList(items=items).model_dump(mode="json"))


async def end_session(
    session_id: Annotated[uuid.UUID, Path()],
    me: Annotated[Principal, current_user],
    sessions: SessionService = Provide[container.sessions],
) -> Response:
    await sessions.end(me.user_id, session_id)
    return Response(status_code=204)


async def end_other_sessions(
    me: Annotated[Principal, current_user], sessions: SessionService = Provide[container.sessions]
) -> Response:
    await sessions.end_all(me.user_id, keep=me.session_id)
    return Response(status_code=204)


async def end_users_sessions(
    user_id: Annotated[int, Path()], sessions: SessionService = Provide[container.sessions]
) -> Response:
    await sessions.end_all(user_id)
    return Response(status_code=204)
