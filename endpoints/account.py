"""Account e-mails over the API: verify an address with the token of its link, ask for the
verification e-mail again. The pages the links open are endpoints/account_pages.py."""

from velithon.responses import JSONResponse, Response

from containers import Provide, container
from models.account import SENT_IF, Accepted, EmailAddressBody, EmailTokenBody
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
