"""Your two-factor sign-in: status, enrol (the secret and its QR code, once), confirm with a
first code (the recovery codes, once), disable with the password and a code. Signing in with
it: endpoints/auth.py (login, login_totp)."""

from typing import Annotated

from velithon.responses import JSONResponse, Response

from containers import Provide, container
from endpoints.dependencies import current_user
from models.totp import (
    RecoveryCodes,
    TotpConfirmRequest,
    TotpDisableRequest,
    TotpEnrolment,
    TotpEnrolRequest,
    TotpStatus,
)
from services.token_service import Principal
from services.totp_service import TotpService

NO_STORE = {"Cache-Control": "no-store"}


async def status(
    me: Annotated[Principal, current_user], totp: TotpService = Provide[container.totp]
) -> JSONResponse:
    return JSONResponse(TotpStatus.model_validate(await totp.status(me.user_id)).model_dump())


async def enrol(
    body: TotpEnrolRequest,
    me: Annotated[Principal, current_user],
    totp: TotpService = Provide[container.totp],
) -> JSONResponse:
    enrolment = await totp.enrol(me.user_id, body.password)
    shown = TotpEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg
    )
    return JSONResponse(shown.model_dump(), status_code=201, headers=NO_STORE)


async def confirm(
    body: TotpConfirmRequest,
    me: Annotated[Principal, current_user],
    totp: TotpService = Provide[container.totp],
) -> JSONResponse:
    codes = await totp.confirm(me.user_id, body.code)
    return JSONResponse(RecoveryCodes(recovery_codes=codes).model_dump(), headers=NO_STORE)


async def disable(
    body: TotpDisableRequest,
    me: Annotated[Principal, current_user],
    totp: TotpService = Provide[container.totp],
) -> Response:
    await totp.disable(me.user_id, body.password, body.code)
    return Response(status_code=204)
