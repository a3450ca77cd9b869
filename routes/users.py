from velithon.routing import Router

from endpoints import users
from models.user import UserOut

router = Router()
router.add_api_route(
    "/users", users.signup, methods=["POST"], tags=["users"], summary="Sign up",
    response_model=UserOut,
)  # fmt: skip
router.add_api_route(
    "/users/me", users.read_me, methods=["GET"], tags=["users"], summary="Your account",
    response_model=UserOut,
)  # fmt: skip
router.add_api_route(
    "/users/me", users.update_me, methods=["PATCH"], tags=["users"],
    summary="Change your name, age or password (a new password ends your other sessions)",
    response_model=UserOut,
)  # fmt: skip
router.add_api_route(
    "/users/{user_id}", users.read_user, methods=["GET"], tags=["users"],
    summary="A user's account (yourself, or anyone for admins)", response_model=UserOut,
)  # fmt: skip
