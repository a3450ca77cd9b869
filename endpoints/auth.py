"""Login, refresh and logout. Tokens go out in the JSON body; the refresh token also goes in
an HttpOnly cookie scoped to /auth (Secure in production), so browsers never expose it to
scripts."""

from typing import Annotated

from velithon.requests import Request
from velithon.responses import JSONResponse, Response

from containers import Provide, container, inject
from endpoints.dependencies import current_user
from models.auth import LoginRequest, RefreshRequest, TokenPair
from services.auth_service import AuthService, RefreshCookie
from services.errors import AuthenticationError
from services.token_service import Principal

COOKIE_PATH = "/auth"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_credentials(request: Request) -> LoginRequest:
    """JSON {email, password}, or the OAuth2 password form (username, password) that the
    Authorize button of /docs sends."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        form = await request.form()
        return LoginRequest.model_validate(
            {"email": form.get("username"), "password": form.get("password")}
        )
    return LoginRequest.model_validate(await request.json())


async def read_refresh_token(request: Request, cookie: RefreshCookie) -> str:
    body = await request.body()
    token = RefreshRequest.model_validate_json(body).refresh_token if body.strip() else None
    token = token or request.cookies.get(cookie.name)
    if not token:
        raise AuthenticationError("A refresh token is required.")
    return token


def token_response(pair: TokenPair, cookie: RefreshCookie) -> JSONResponse:
    response = JSONResponse(pair.model_dump(), headers={"Cache-Control": "no-store"})
    response.set_cookie(
        cookie.name,
        pair.refresh_token,
        max_age=cookie.max_age,
        path=COOKIE_PATH,
        secure=cookie.secure,
        httponly=True,
        samesite="strict",
    )
    return response


@inject
async def login(
    request: Request,
    auth: AuthService = Provide[container.auth_service],
) -> JSONResponse:
    credentials = await read_credentials(request)
    pair = await auth.login(credentials.email, credentials.password)
    return token_response(pair, auth.cookie)


@inject
async def refresh(
    request: Request,
    auth: AuthService = Provide[container.auth_service],
) -> JSONResponse:
    pair = await auth.refresh(await read_refresh_token(request, auth.cookie))
    return token_response(pair, auth.cookie)


@inject
async def logout(
    me: Annotated[Principal, current_user],
    auth: AuthService = Provide[container.auth_service],
) -> Response:
    await auth.logout(me)
    response = Response(status_code=204)
    response.delete_cookie(
        auth.cookie.name,
        path=COOKIE_PATH,
        secure=auth.cookie.secure,
        httponly=True,
        samesite="strict",
    )
    return response
