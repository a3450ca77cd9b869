from typing import Annotated

from velithon.params import Path
from velithon.responses import JSONResponse

from containers import Provide, container, inject
from endpoints.dependencies import current_user
from models.user import UserCreate, UserOut, UserSelfUpdate
from services.auth_service import AuthService
from services.errors import PermissionDeniedError
from services.token_service import Principal
from services.user_service import UserService


def user_json(user: UserOut, status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(user.model_dump(mode="json"), status_code=status_code, headers=headers)


@inject
async def signup(
    body: UserCreate, users: UserService = Provide[container.user_service]
) -> JSONResponse:
    user = await users.create(body)
    return user_json(UserOut.from_row(user), 201, Location=f"/users/{user.id}")


@inject
async def read_me(
    me: Annotated[Principal, current_user],
    users: UserService = Provide[container.user_service],
) -> JSONResponse:
    return user_json(UserOut.from_row(await users.get(me.user_id)))


@inject
async def update_me(
    body: UserSelfUpdate,
    me: Annotated[Principal, current_user],
    users: UserService = Provide[container.user_service],
    auth: AuthService = Provide[container.auth_service],
) -> JSONResponse:
    if body.password is not None and body.current_password is not None:
        await users.change_password(me.user_id, body.current_password, body.password)
        await auth.revoke_other_sessions(me.user_id, keep_session=me.session_id)
    profile = body.model_dump(include={"name", "age"} & body.model_fields_set)
    user = await users.update_profile(me.user_id, profile)
    return user_json(UserOut.from_row(user))


@inject
async def read_user(
    user_id: Annotated[int, Path()],
    me: Annotated[Principal, current_user],
    users: UserService = Provide[container.user_service],
) -> JSONResponse:
    # Permission before existence: a non-admin learns nothing about other ids.
    if user_id != me.user_id and me.role != "admin":
        raise PermissionDeniedError("You can only read your own account.")
    return user_json(UserOut.from_row(await users.get(user_id)))
