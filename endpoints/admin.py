"""Admin endpoints; the routes declare access="admin", so only admins get here."""

from typing import Annotated

from pydantic import Field
from velithon.params import Path, Query
from velithon.responses import JSONResponse

from containers import Provide, container
from endpoints.dependencies import current_user
from models.job import JobsReport
from models.user import AdminUserUpdate, UserFilter, UserOut, UserPage
from services.job_service import JobQueue
from services.token_service import Principal
from services.user_service import UserService


async def list_users(
    query: Annotated[UserFilter, Query()], users: UserService = Provide[container.users]
) -> JSONResponse:
    rows, total = await users.list(query)
    page = UserPage(
        items=[UserOut.from_row(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )
    return JSONResponse(page.model_dump(mode="json"))


async def update_user(
    user_id: Annotated[int, Path()],
    body: AdminUserUpdate,
    admin: Annotated[Principal, current_user],
    users: UserService = Provide[container.users],
) -> JSONResponse:
    user = await users.set_role_and_status(
        user_id, body.given("role"), body.given("is_active"), acting_admin=admin.user_id
    )
    return JSONResponse(UserOut.from_row(user).model_dump(mode="json"))


async def jobs(
    limit: Annotated[int, Field(ge=1, le=100)] = 20, queue: JobQueue = Provide[container.jobs]
) -> JSONResponse:
    report = JobsReport.model_validate(
        {"counts": await queue.counts(), "failed": await queue.failed(limit)}
    )
    return JSONResponse(report.model_dump(mode="json"))
