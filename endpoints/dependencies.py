"""Request-scoped dependencies for endpoints: `me: Annotated[Principal, current_user]`."""

from velithon.requests import Request

from middleware.context import current_principal
from services.errors import AuthenticationError, PermissionDeniedError
from services.token_service import Principal


def current_user(request: Request) -> Principal:
    """The caller, as verified by middleware/auth.py."""
    principal = current_principal.get()
    if principal is None:  # a route missing from PUBLIC_ROUTES never gets here unverified
        raise AuthenticationError("A bearer access token is required.")
    return principal


def current_admin(request: Request) -> Principal:
    principal = current_user(request)
    if principal.role != "admin":
        raise PermissionDeniedError("This needs the admin role.")
    return principal
