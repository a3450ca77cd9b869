from endpoints import account
from models.account import Accepted
from web.route import Route

ROUTES = [
    Route(
        "POST",
        "/auth/verify-email",
        account.verify_email,
        access="public",
        summary="Verify your e-mail address with the token of the link we e-mailed",
        tags=("auth",),
        status=204,
        errors={
            404: "No such link: the token was never issued (mistyped, altered)",
            409: "The token was used already",
            410: "The token has expired",
        },
    ),
    Route(
        "POST",
        "/auth/verify-email/resend",
        account.resend_verification,
        access="public",
        rate_limit="account_mail",
        summary="E-mail the verification link again (the same answer for any address)",
        tags=("auth",),
        status=202,
        response=Accepted,
        errors={429: "Too many requests for this client or this address"},
    ),
    Route(
        "POST",
        "/auth/password-reset",
        account.request_password_reset,
        access="public",
        rate_limit="account_mail",
        summary="Forgot your password: e-mail a reset link (the same answer for any address)",
        tags=("auth",),
        status=202,
        response=Accepted,
        errors={429: "Too many requests for this client or this address"},
    ),
    Route(
        "POST",
        "/auth/password-reset/confirm",
        account.reset_password,
        access="public",
        summary="Set a new password with the token of a reset link; ends every session",
        tags=("auth",),
        status=204,
        errors={
            404: "No such link: the token was never issued (mistyped, altered)",
            409: "The token was used already, or the password changed since it was sent",
            410: "The token has expired",
        },
    ),
]
