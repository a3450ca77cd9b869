"""Login, refresh and logout. Tokens go out in the JSON body; the refresh token also goes in
an HttpOnly cookie scoped to /auth (Secure in production), so browsers never expose it to
scripts."""

from typing import Annotated

from pydantic import ValidationError
from velithon.requests import Request
from velithon.responses import JSONResponse, Response

from containers import Provide, container
from endpoints.dependencies import current_user
from models.auth import LoginRequest, RefreshRequest, TokenPair, TotpChallenge, TotpLoginRequest
from services.auth_service import AuthService, RefreshCookie
from services.errors import AuthenticationError
from services.session_service import Client
from services.token_service import Principal
from web.context import current_request
from web.inputs import FORM_TYPE, invalid, read_form, read_json, validation_errors

COOKIE_PATH = "/auth"
NO_STORE = {"Cache-Control": "no-store"}


async def read_credentials(request: Request) -> LoginRequest:
    """JSON {email, password}, or the OAuth2 password form (username, password) that the
    Authorize button of /docs sends."""
    if (request.headers.get("content-type") or "").lower().startswith(FORM_TYPE):
        form = await read_form(request, known=("username", "password", "grant_type", "scope"))
        try:
            return LoginRequest.model_validate(
                {"email": form.get("username"), "password": form.get("password")}
            )
        except ValidationError as exc:
            invalid(
                [
                    {**e, "loc": ["body", "username" if e["loc"][1] == "email" else e["loc"][1]]}
                    for e in validation_errors(exc, "body")
                ]
            )
    return await read_json(request, LoginRequest)


async def read_refresh_token(request: Request, cookie: RefreshCookie) -> str:
    body = await request.body()
    token = (await read_json(request, RefreshRequest)).refresh_token if body.strip() else None
    token = token or request.cookies.get(cookie.name)
    if not token:
        raise AuthenticationError("A refresh token is required.")
    return token


def token_response(pair: TokenPair, cookie: RefreshCookie) -> JSONResponse:
    response = JSONResponse(pair.model_dump(), headers=NO_STORE)
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


def client_of(request: Request) -> Client:
    """The caller's address (middleware/access_log.py worked it out, proxies considered) and
    user agent, as a new session records them."""
    info = current_request.get()
    return Client(
        ip=info.client_ip if info is not None else "",
        user_agent=request.headers.get("user-agent"),
    )


async def login(request: Request, auth: AuthService = Provide[container.auth]) -> JSONResponse:
    credentials = await read_credentials(request)
    answer = await auth.login(credentials.email, credentials.password, client_of(request))
    if isinstance(answer, TotpChallenge):  # no token yet: the code comes first
        return JSONResponse(answer.model_dump(), status_code=202, headers=NO_STORE)
    return token_response(answer, auth.cookie)


async def login_totp(
    request: Request, body: TotpLoginRequest, auth: AuthService = Provide[container.auth]
) -> JSONResponse:
    pair = await auth.complete_totp(body.totp_token, body.code, client_of(request))
    return token_response(pair, auth.cookie)


async def refresh(request: Request, auth: AuthService = Provide[container.auth]) -> JSONResponse:
    pair = await auth.refresh(await read_refresh_token(request, auth.cookie))
    return token_response(pair, auth.cookie)


async def logout(
    me: Annotated[Principal, current_user], auth: AuthService = Provide[container.auth]
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
