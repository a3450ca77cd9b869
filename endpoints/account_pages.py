"""The pages the links in account e-mails open. Opening a link only shows a form: the token is
used by its POST, so a mail scanner that fetches every link uses nothing up. The pages carry
no script; the token travels in the form (and never into a log: the access log has no query
strings or bodies)."""

from velithon.requests import Request
from velithon.responses import HTMLResponse

from config import Settings
from containers import Provide, container
from endpoints.pages import templates
from models.user import strong_password
from services.errors import LinkExpiredError, LinkNotValidError, LinkUsedError
from services.password_reset_service import PasswordResetService
from services.verification_service import VerificationService
from web.inputs import read_form
from web.problems import ProblemError

LINK_ERRORS = {LinkNotValidError: 404, LinkUsedError: 409, LinkExpiredError: 410}
INCOMPLETE = "This link is incomplete: open the whole link from the e-mail."
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def page(name: str, settings: Settings, status: int = 200, **context: object) -> HTMLResponse:
    base = {"app_name": settings.app_name, "done": False, "problem": "", "token": ""}
    return templates.render_response(
        name, {**base, **context}, status_code=status, headers=NO_STORE
    )


def link_token(value: object) -> str:
    """The token as a link carries it, or "" when it is no token at all."""
    token = value if isinstance(value, str) else ""
    ok = 20 <= len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()
    return token if ok and token.isascii() else ""


async def verify_email_form(
    request: Request, settings: Settings = Provide[container.settings]
) -> HTMLResponse:
    token = link_token(request.query_params.get("token"))
    if not token:
        return page("verify_email.html", settings, 400, problem=INCOMPLETE)
    return page("verify_email.html", settings, token=token)


async def verify_email(
    request: Request,
    settings: Settings = Provide[container.settings],
    verification: VerificationService = Provide[container.verification],
) -> HTMLResponse:
    try:
        form = await read_form(request, known=("token",))
    except ProblemError as exc:
        return page("verify_email.html", settings, exc.status, problem=exc.detail)
    token = link_token(form.get("token"))
    if not token:
        return page("verify_email.html", settings, 400, problem=INCOMPLETE)
    try:
        await verification.verify(token)
    except (LinkNotValidError, LinkUsedError, LinkExpiredError) as exc:
        return page("verify_email.html", settings, LINK_ERRORS[type(exc)], problem=str(exc))
    return page("verify_email.html", settings, done=True)


async def reset_password_form(
    request: Request, settings: Settings = Provide[container.settings]
) -> HTMLResponse:
    token = link_token(request.query_params.get("token"))
    if not token:
        return page("reset_password.html", settings, 400, problem=INCOMPLETE)
    return page("reset_password.html", settings, token=token)


async def reset_password(
    request: Request,
    settings: Settings = Provide[container.settings],
    resets: PasswordResetService = Provide[container.password_reset],
) -> HTMLResponse:
    try:
        form = await read_form(request, known=("token", "password", "password_again"))
    except ProblemError as exc:
        return page("reset_password.html", settings, exc.status, problem=exc.detail)
    token = link_token(form.get("token"))
    if not token:
        return page("reset_password.html", settings, 400, problem=INCOMPLETE)
    password = form.get("password", "")
    problem = ""
    if password != form.get("password_again"):
        problem = "The two passwords differ."
    elif len(password) > 128:
        problem = "Password must be at most 128 characters"
    else:
        try:
            strong_password(password)
        except ValueError as exc:
            problem = str(exc)
    if problem:  # the form again, to try once more
        return page("reset_password.html", settings, 422, problem=problem, token=token)
    try:
        await resets.reset(token, password)
    except (LinkNotValidError, LinkUsedError, LinkExpiredError) as exc:
        return page("reset_password.html", settings, LINK_ERRORS[type(exc)], problem=str(exc))
    return page("reset_password.html", settings, done=True)
