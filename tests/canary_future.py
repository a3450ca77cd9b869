"""A handler in a module with `from __future__ import annotations`, for the canary: Velithon
reads raw annotations, which here are strings ("int"), so nothing is converted."""

from __future__ import annotations

from velithon.responses import JSONResponse


async def future_item(item_id: int) -> JSONResponse:
    return JSONResponse({"item_id": item_id})
