from velithon.routing import Router

from endpoints import admin
from models.user import UserOut, UserPage

router = Router()
router.add_api_route(
    "/admin/users", admin.list_users, methods=["GET"], tags=["admin"],
    summary="List users (limit, offset; filter by role, is_active, q)", response_model=UserPage,
)  # fmt: skip
router.add_api_route(
    "/admin/users/{user_id}", admin.update_user, methods=["PATCH"], tags=["admin"],
    summary="Change a user's role or active flag (ends their sessions)", response_model=UserOut,
)  # fmt: skip
