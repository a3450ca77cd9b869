"""web/background.py without a server: priority order, and a failure never escapes."""

import pytest

from web.background import AfterResponse, Priority, Task


async def test_tasks_run_high_then_medium_then_low_in_the_order_given() -> None:
    ran: list[str] = []

    def task(priority: Priority, name: str) -> Task:
        async def run() -> None:
            ran.append(name)

        return Task(priority, name, run)

    after = AfterResponse(
        (
            task(Priority.LOW, "l1"),
            task(Priority.HIGH, "h1"),
            task(Priority.MEDIUM, "m1"),
            task(Priority.HIGH, "h2"),
            task(Priority.LOW, "l2"),
        )
    )
    await after()
    assert ran == ["h1", "h2", "m1", "l1", "l2"]


async def test_a_failing_task_is_logged_and_counted_and_the_rest_still_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from observability.metrics import BACKGROUND_TASK_FAILURES

    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("secret-ish detail")

    async def after_it() -> None:
        ran.append("after")

    before = BACKGROUND_TASK_FAILURES.labels("boom")._value.get()
    await AfterResponse(
        (Task(Priority.HIGH, "boom", boom), Task(Priority.LOW, "after", after_it))
    )()  # no raise
    assert ran == ["after"]
    assert BACKGROUND_TASK_FAILURES.labels("boom")._value.get() == before + 1
