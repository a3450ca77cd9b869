"""`make worker`: the durable job worker (services/job_worker.py), a process of its own beside
the app's, as many as you like (they share the queue in PostgreSQL). SIGTERM or Ctrl-C: the
jobs in hand finish (a job still running when the process is killed is taken over by another
worker after JOB_HEARTBEAT_TIMEOUT), then it exits 0.

Checks the configuration and the backends first, as the app does: one line naming what is wrong.
"""

import asyncio
import signal
from pathlib import Path

import uvloop

from config import Settings, get_settings
from containers import container
from observability.logs import configure_logging
from scripts.healthcheck import ALIVE_FILE, BEAT
from services.connectivity import StartupError, check_backends


async def run(settings: Settings) -> None:
    await check_backends(settings)
    container.apply_overrides(settings)
    await container.open()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    beating = asyncio.create_task(beat(ALIVE_FILE))
    try:
        await container.get(container.job_worker).run(stop)
    finally:
        beating.cancel()
        await asyncio.to_thread(ALIVE_FILE.unlink, missing_ok=True)
        await container.close()


async def beat(path: Path) -> None:
    """For the container's healthcheck (scripts/healthcheck.py): proof that the loop runs."""
    while True:
        await asyncio.to_thread(path.touch)
        await asyncio.sleep(BEAT)


def main() -> None:
    settings = get_settings()  # a bad configuration stops here, named
    configure_logging(settings)
    try:
        uvloop.run(run(settings))
    except StartupError as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    main()
