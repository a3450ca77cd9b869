from endpoints import auth
from models.auth import LOGIN_BODY, REFRESH_BODY, TokenPair, TotpChallenge
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
        errors={
            401: "Wrong email or password",
            202: (
                "Right password; the account also needs a code: POST /auth/login/totp",
                TotpChallenge,
            ),
            403: "The e-mail address is not verified yet (UNVERIFIED_ACCOUNTS=blocked)",
        },
    ),
    Route(
        "POST",
        "/auth/login/totp",
        auth.login_totp,
        access="public",
        rate_limit="login",
        summary="Second step of a two-factor sign-in: the login's totp_token and a code",
        tags=("auth",),
        response=TokenPair,
        errors={
            401: "The sign-in expired, was completed, or the account changed meanwhile",
            409: "Two-factor sign-in is not on for this account",
            429: "Too many wrong codes: refused for TOTP_LOCK_MINUTES (see Retry-After)",
        },
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
