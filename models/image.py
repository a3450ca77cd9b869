"""A product image as clients see it: where to fetch it and what it is."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class ImageOut(BaseModel):
    id: UUID
    product_id: int
    url: str = Field(description="GET it for the file, with the content type below")
    content_type: str = Field(description="what the bytes are (sniffed), not what was sent")
    size: int = Field(description="bytes")
    created_at: datetime
