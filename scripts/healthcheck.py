"""Container HEALTHCHECK, with no curl in the image.

``python -m scripts.healthcheck``: GET /health/live on this container's PORT (the app).
``python -m scripts.healthcheck worker``: the job worker serves no HTTP; it touches ALIVE_FILE
every BEAT seconds from its event loop (scripts/worker.py), so a file older than STALE means a
worker that is gone or stuck.
"""

import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from config import PROJECT_SLUG

ALIVE_FILE = Path(tempfile.gettempdir()) / f"{PROJECT_SLUG}-worker.alive"
BEAT = 5.0
STALE = 30.0


def app_is_live() -> bool:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/live"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def worker_is_live(now: float | None = None) -> bool:
    try:
        beat = ALIVE_FILE.stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - beat < STALE


def main(argv: list[str]) -> int:
    live = worker_is_live() if argv[1:] == ["worker"] else app_is_live()
    return 0 if live else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
