from endpoints import sessions
from models.session import SessionList
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/auth/sessions",
        sessions.list_sessions,
        unverified=True,
        summary="Your live sessions (created, last used, client address, user agent; current)",
        tags=("auth",),
        response=SessionList,
    ),
    Route(
        "DELETE",
        "/auth/sessions",
        sessions.end_other_sessions,
        unverified=True,
        summary="End all your other sessions (this one stays)",
        tags=("auth",),
        status=204,
    ),
    Route(
        "DELETE",
        "/auth/sessions/{session_id}",
        sessions.end_session,
        unverified=True,
        summary="End one of your sessions (this one too, if you name it)",
        tags=("auth",),
        status=204,
        errors={404: "No such live session of yours"},
    ),
    Route(
        "DELETE",
        "/admin/users/{user_id}/sessions",
        sessions.end_users_sessions,
        access="admin",
        summary="End every session of a user",
        tags=("admin",),
        status=204,
        errors={404: "No such user"},
    ),
]
