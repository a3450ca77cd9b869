from endpoints import users
from models.user import UserOut
from web.route import Route

ROUTES = [
    Route(
        "POST",
        "/users",
        users.signup,
        access="public",
        rate_limit="signup",
        summary="Sign up",
        tags=("users",),
        status=201,
        response=UserOut,
        errors={409: "An account with this email already exists"},
    ),
    Route(
        "GET",
        "/users/me",
        users.read_me,
        unverified=True,
        summary="Your account",
        tags=("users",),
        response=UserOut,
    ),
    Route(
        "PATCH",
        "/users/me",
        users.update_me,
        unverified=True,
        summary="Change your name, age or password (a new password ends your other sessions)",
        tags=("users",),
        response=UserOut,
        errors={403: "current_password is wrong", 409: "The password was changed meanwhile"},
    ),
    Route(
        "GET",
        "/users/{user_id}",
        users.read_user,
        summary="A user's account (yourself, or anyone for admins)",
        tags=("users",),
        response=UserOut,
        errors={403: "Another user's account (admins only)", 404: "No such user"},
    ),
]
