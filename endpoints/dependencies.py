"""Request-scoped dependencies for endpoints: `me: Annotated[Principal, current_user]`."""

from velithon.requests import Request

from services.errors import AuthenticationError
from services.token_service import Principal
from web.context import current_principal


def current_user(request: Request) -> Principal:
    """The caller, as verified by middleware/auth.py for every route not declared public."""
    principal = current_principal.get()
    if principal is None:  # only on a public route, where nobody verified a token
        raise AuthenticationError("A bearer access token is required.")
    return principal
