from endpoints import auth
from models.auth import LOGIN_BODY, REFRESH_BODY, TokenPair
from web.route import Route

ROUTES = [
    Route(
        "POST",
        "/auth/login",
        auth.login,
        access="public",
        rate_limit="login",
        summary="Log in with email and password (JSON, or the OAuth2 password form)",
        tags=("auth",),
        response=TokenPair,
        request_body=LOGIN_BODY,
        errors={401: "Wrong email or password"},
    ),
    Route(
        "POST",
        "/auth/refresh",
        auth.refresh,
        access="public",
        summary="Trade a refresh token (body or cookie) for a new pair; reuse ends the session",
        tags=("auth",),
        response=TokenPair,
        request_body=REFRESH_BODY,
        errors={401: "Missing, expired, revoked or reused refresh token"},
    ),
    Route(
        "POST",
        "/auth/logout",
        auth.logout,
        unverified=True,
        status=204,
        summary="End this session: its refresh tokens and this access token stop working",
        tags=("auth",),
    ),
]
