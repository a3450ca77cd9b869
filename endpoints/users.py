from typing import Annotated

from velithon.params import Path
from velithon.responses import JSONResponse

from containers import Provide, container
from endpoints.dependencies import current_user
from models.user import UserCreate, UserOut, UserSelfUpdate
from services.errors import PermissionDeniedError
from services.token_service import Principal
from services.user_service import UserService


def user_json(user: UserOut, status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(user.model_dump(mode="json"), status_code=status_code, headers=headers)


async def signup(body: UserCreate, users: UserService = Provide[container.users]) -> JSONResponse:
    user = await users.create(body)
    return user_json(UserOut.from_row(user), 201, Location=f"/users/{user.id}")


async def read_me(
    me: Annotated[Principal, current_user], users: UserService = Provide[container.users]
) -> JSONResponse:
    return user_json(UserOut.from_row(await users.get(me.user_id)))


async def update_me(
    body: UserSelfUpdate,
    me: Annotated[Principal, current_user],
    users: UserService = Provide[container.users],
) -> JSONResponse:
    user = await users.update_own_account(
        me.user_id,
        me.session_id,
        body.profile_changes(),
        password=body.given("password"),
        current_password=body.given("current_password"),
    )
    return user_json(UserOut.from_row(user))


async def read_user(
    user_id: Annotated[int, Path()],
    me: Annotated[Principal, current_user],
    users: UserService = Provide[container.users],
) -> JSONResponse:
    # Permission before existence: a non-admin learns nothing about other ids.
    if user_id != me.user_id and me.role != "admin":
        raise PermissionDeniedError("You can only read your own account.")
    return user_json(UserOut.from_row(await users.get(user_id)))
