"""Account e-mails over the API: verify an address with the token of its link, ask for the
verification e-mail again; ask for a password-reset e-mail, set the new password with its
token. The pages the links open are endpoints/account_pages.py."""

from velithon.responses import JSONResponse, Response

from containers import Provide, container
from models.account import SENT_IF, Accepted, EmailAddressBody, EmailTokenBody, PasswordResetBody
from services.password_reset_service import PasswordResetService
from services.verification_service import VerificationService


async def verify_email(
    body: EmailTokenBody, verification: VerificationService = Provide[container.verification]
) -> Response:
    await verification.verify(body.token)
    return Response(status_code=204)


async def resend_verification(
    body: EmailAddressBody, verification: VerificationService = Provide[container.verification]
) -> JSONResponse:
    await verification.resend(body.email)
    return JSONResponse(Accepted(detail=SENT_IF).model_dump(), status_code=202)


async def request_password_reset(
    body: EmailAddressBody, resets: PasswordResetService = Provide[container.password_reset]
) -> JSONResponse:
    await resets.request(body.email)
    return JSONResponse(Accepted(detail=SENT_IF).model_dump(), status_code=202)


async def reset_password(
    body: PasswordResetBody, resets: PasswordResetService = Provide[container.password_reset]
) -> Response:
    await resets.reset(body.token, body.password)
    return Response(status_code=204)
