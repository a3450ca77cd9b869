from typing import Annotated

from velithon.params import Path
from velithon.responses import JSONResponse

from containers import Provide, container, inject
from endpoints.dependencies import current_admin
from models.user import AdminUserUpdate, UserFilter, UserOut, UserPage
from services.auth_service import AuthService
from services.errors import InvalidFieldError
from services.token_service import Principal
from services.user_service import UserService


@inject
async def list_users(
    admin: Annotated[Principal, current_admin],
    query: UserFilter = UserFilter(),  # noqa: B008 (immutable default; Velithon reads the query)
    users: UserService = Provide[container.user_service],
) -> JSONResponse:
    rows, total = await users.list(query)
    page = UserPage(
        items=[UserOut.from_row(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )
    return JSONResponse(page.model_dump(mode="json"))


@inject
async def update_user(
    user_id: Annotated[int, Path()],
    body: AdminUserUpdate,
    admin: Annotated[Principal, current_admin],
    users: UserService = Provide[container.user_service],
    auth: AuthService = Provide[container.auth_service],
) -> JSONResponse:
    if user_id == admin.user_id and (body.role == "user" or body.is_active is False):
        raise InvalidFieldError("role", "Admins cannot demote or deactivate themselves.")
    before = await users.get(user_id)
    user = await users.set_role_and_status(user_id, body.role, body.is_active)
    if user.role != before.role or user.is_active != before.is_active:
        # Tokens carry the role and outlive a deactivation: end every session now.
        await auth.revoke_all_sessions(user_id)
    return JSONResponse(UserOut.from_row(user).model_dump(mode="json"))
