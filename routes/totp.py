from endpoints import totp
from models.totp import RecoveryCodes, TotpEnrolment, TotpStatus
from web.route import Route

WRONG_CODE = "The code is not valid, or was used already (per-field `errors`)"
LOCKED = "Too many wrong codes: refused for TOTP_LOCK_MINUTES (see Retry-After)"

ROUTES = [
    Route(
        "GET",
        "/auth/totp",
        totp.status,
        unverified=True,
        summary="Whether your two-factor sign-in is on, and recovery codes left",
        tags=("auth",),
        response=TotpStatus,
    ),
    Route(
        "POST",
        "/auth/totp",
        totp.enrol,
        unverified=True,
        rate_limit="login",
        summary="Enrol in two-factor sign-in (password): the secret and its QR code, once",
        tags=("auth",),
        status=201,
        response=TotpEnrolment,
        errors={403: "The password is wrong", 409: "Two-factor sign-in is on already"},
    ),
    Route(
        "POST",
        "/auth/totp/confirm",
        totp.confirm,
        unverified=True,
        rate_limit="login",
        summary="Turn two-factor sign-in on with a first code: the recovery codes, once",
        tags=("auth",),
        response=RecoveryCodes,
        errors={409: "Nothing to confirm (enrol first), or on already", 429: LOCKED},
    ),
    Route(
        "POST",
        "/auth/totp/disable",
        totp.disable,
        unverified=True,
        rate_limit="login",
        summary="Turn two-factor sign-in off (password and a code or recovery code)",
        tags=("auth",),
        status=204,
        errors={403: "The password is wrong", 409: "Two-factor sign-in is not on", 429: LOCKED},
    ),
]
