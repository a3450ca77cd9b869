from endpoints import admin
from models.stats import AdminStats, JobsReport
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
        "/admin/stats",
        admin.stats,
        access="admin",
        summary="Counts of users, products and orders; orders and revenue per day, 30 days",
        tags=("admin",),
        response=AdminStats,
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
