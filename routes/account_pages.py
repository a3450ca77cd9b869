from endpoints import account_pages
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/account/verify-email",
        account_pages.verify_email_form,
        access="public",
        media_type="text/html",
        in_schema=False,
        summary="The page a verification e-mail links to: a button that verifies",
    ),
    Route(
        "POST",
        "/account/verify-email",
        account_pages.verify_email,
        access="public",
        media_type="text/html",
        in_schema=False,
        summary="Verify the address (the form of that page)",
    ),
    Route(
        "GET",
        "/account/reset-password",
        account_pages.reset_password_form,
        access="public",
        media_type="text/html",
        in_schema=False,
        summary="The page a password-reset e-mail links to: the new password's form",
    ),
    Route(
        "POST",
        "/account/reset-password",
        account_pages.reset_password,
        access="public",
        media_type="text/html",
        in_schema=False,
        summary="Set the new password (the form of that page); ends every session",
    ),
]
