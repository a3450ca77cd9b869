"""GET /admin/jobs: the durable job queue at a glance."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class FailedJob(BaseModel):
    id: int
    entrypoint: str
    tries: int
    payload: Any
    created: datetime
    updated: datetime  # when it was given up


class JobsReport(BaseModel):
    counts: dict[str, int]  # queued, picked (running), failed
    failed: list[FailedJob]  # the latest, newest first
