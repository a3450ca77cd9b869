from endpoints import stats
from models.stats import AdminStats
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/admin/stats",
        stats.stats,
        access="admin",
        summary="Counts of users, products and orders; orders and revenue per day, 30 days",
        tags=("admin",),
        response=AdminStats,
    ),
]
