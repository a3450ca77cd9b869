"""Work that may be lost, run in this worker after the response is sent: a cache warm-up, an
analytics count. Work that must happen goes to the durable queue instead
(services/job_service.py; docs/background-work.md says which is which).

    return after_response(response, Task(Priority.HIGH, "warm product cache", warm),
                                    Task(Priority.LOW, "record sale", record))

Velithon awaits a response's `background` after sending it, in the request's coroutine; if it
raises, Velithon's router runs the handler again, and so the write it made (quirk 1,
docs/velithon-quirks.md; pinned by tests/test_velithon_canaries.py). What this module attaches
never raises: the tasks run one after the other, HIGH before MEDIUM before LOW (in the order
given within a priority), and each failure is logged with the task's name and the request id,
counted in background_task_failures_total, and the next task runs.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from velithon.responses import Response

from observability.logs import log_unexpected
from observability.metrics import BACKGROUND_TASK_FAILURES
from web.context import current_request


class Priority(IntEnum):  # the guide's TaskPriority
    HIGH = 1
    MEDIUM = 2
    LOW = 3


@dataclass(frozen=True)
class Task:
    priority: Priority
    name: str  # in the log line and the metric label: keep it a fixed string
    run: Callable[[], Awaitable[object]]


class AfterResponse:
    """What Velithon finds in `response.background`."""

    def __init__(self, tasks: tuple[Task, ...]) -> None:
        self.tasks = sorted(tasks, key=lambda task: task.priority)  # stable within a priority
        info = current_request.get()
        self._request_id = info.request_id if info is not None else None

    async def __call__(self) -> None:
        for task in self.tasks:
            try:
                await task.run()
            except Exception as exc:
                BACKGROUND_TASK_FAILURES.labels(task.name).inc()
                log_unexpected(
                    "background_task_failed",
                    exc,
                    task=task.name,
                    priority=task.priority.name,
                    request_id=self._request_id,
                )


def after_response(response: Response, *tasks: Task) -> Response:
    response.background = AfterResponse(tasks)
    return response
