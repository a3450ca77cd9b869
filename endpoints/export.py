"""CSV exports for admins (the routes declare access="admin"), streamed (web/streaming.py)."""

from datetime import UTC, datetime

from velithon.responses import Response

from containers import Provide, container
from services.export_service import ExportService, Table
from web.streaming import stream


async def _csv(export: ExportService, table: Table) -> Response:
    name = f"{table}-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return await stream(
        export.csv(table),
        "text/csv; charset=utf-8",
        **{"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def export_users(export: ExportService = Provide[container.export]) -> Response:
    return await _csv(export, "users")


async def export_orders(export: ExportService = Provide[container.export]) -> Response:
    return await _csv(export, "orders")
