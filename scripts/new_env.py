"""`make env`: write .env from .env.example with fresh random secrets, so the same file serves
`make run` and `docker compose up` (whose image runs in production and refuses the
placeholders). It never overwrites an existing .env."""

import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("SECRET_KEY", "JWT_SECRET")


def main(target: Path = ROOT / ".env") -> int:
    if target.exists():
        sys.stderr.write(f"{target.name} exists already; edit it (or remove it first)\n")
        return 1
    text = (ROOT / ".env.example").read_text()
    for name in SECRETS:
        text = re.sub(rf"^{name}=.*$", f"{name}={secrets.token_urlsafe(48)}", text, flags=re.M)
    target.write_text(text)
    target.chmod(0o600)
    sys.stdout.write(f"wrote {target.name} with new {' and '.join(SECRETS)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
