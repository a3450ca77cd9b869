from velithon.routing import Router

from endpoints import auth
from models.auth import TokenPair

router = Router()
router.add_api_route(
    "/auth/login", auth.login, methods=["POST"], tags=["auth"],
    summary="Log in with email and password (JSON, or the OAuth2 password form)",
    response_model=TokenPair,
)  # fmt: skip
router.add_api_route(
    "/auth/refresh", auth.refresh, methods=["POST"], tags=["auth"],
    summary="Trade a refresh token (body or cookie) for a new pair; reuse ends the session",
    response_model=TokenPair,
)  # fmt: skip
router.add_api_route(
    "/auth/logout", auth.logout, methods=["POST"], tags=["auth"],
    summary="End this session: its refresh tokens and this access token stop working",
)  # fmt: skip
