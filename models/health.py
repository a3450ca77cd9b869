from typing import Literal

from pydantic import BaseModel


class HealthReport(BaseModel):
    status: Literal["healthy", "unhealthy"]
    timestamp: str
    version: str
    database: str
    redis: str


class Liveness(BaseModel):
    status: Literal["alive"]
