"""Create the first admin, or promote an existing account to admin.

    make create-admin EMAIL=ada@example.com NAME="Ada Lovelace"

The password is asked for twice (never echoed), or read from ADMIN_PASSWORD for automation.
It follows the same rules as signup. Nothing is hard-coded.
"""

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import ValidationError

from config import get_settings
from containers import container
from models.user import UserCreate
from services.connectivity import StartupError, check_backends


def read_password() -> str:
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():  # getpass would fall back to stdin and fail at its end
        raise SystemExit(
            "create-admin: no terminal to ask for the password on; set ADMIN_PASSWORD "
            "(ADMIN_PASSWORD=... make create-admin EMAIL=...)"
        )
    first = getpass.getpass("Password for the admin: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("The passwords differ.")
    return first


async def create_or_promote(email: str, name: str) -> str:
    settings = get_settings()  # a bad configuration stops here, named
    await check_backends(settings)
    container.apply_overrides(settings)
    await container.open()
    try:
        users = container.get(container.users)
        existing = await users.find_by_email(email)
        if existing is not None:
            await users.set_role_and_status(existing.id, "admin", True)
            return f"{existing.email} (id {existing.id}) is now an admin; password unchanged."
        try:
            data = UserCreate(name=name, email=email, password=read_password())
        except ValidationError as exc:
            problems = "; ".join(
                f"{err['loc'][0]}: {err['msg'].removeprefix('Value error, ')}"
                for err in exc.errors(include_url=False, include_input=False)
            )
            raise SystemExit(f"Not created: {problems}") from None
        user = await users.create(data, role="admin", verified=True)
        return f"Created admin {user.email} (id {user.id})."
    finally:
        await container.close()


def main() -> None:
    parser = argparse.ArgumentParser("python -m scripts.create_admin", description=__doc__)
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="Admin")
    args = parser.parse_args()
    if not args.email.strip():
        parser.error("the admin's email is required: make create-admin EMAIL=you@example.com")
    try:
        sys.stdout.write(asyncio.run(create_or_promote(args.email, args.name)) + "\n")
    except StartupError as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    main()
