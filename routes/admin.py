from endpoints import admin
from models.job import JobsReport
from models.user import UserOut, UserPage
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/admin/users",
        admin.list_users,
        access="admin",
        summary="List users (limit, offset; filter by role, is_active, q)",
        tags=("admin",),
        response=UserPage,
    ),
    Route(
        "PATCH",
        "/admin/users/{user_id}",
        admin.update_user,
        access="admin",
        summary="Change a user's role or active flag (ends their sessions)",
        tags=("admin",),
        response=UserOut,
        errors={
            403: "Not an admin, or an admin demoting or deactivating themselves",
            404: "No such user",
        },
    ),
    Route(
        "GET",
        "/admin/jobs",
        admin.jobs,
        access="admin",
        summary="Durable jobs by status, and the latest ones that failed for good",
        tags=("admin",),
        response=JobsReport,
    ),
]
