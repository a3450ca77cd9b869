"""Products: anyone reads the catalogue; the routes declare the writes access="admin"."""

from typing import Annotated, Any

from velithon.params import Path, Query
from velithon.responses import JSONResponse, Response

from containers import Provide, container
from models.product import ProductCreate, ProductFilter, ProductUpdate
from services.cache_service import Cached
from services.product_service import ProductService


def cached_json(answer: Cached[Any]) -> Response:
    """A cached read is the model's JSON already: sent as it is, not parsed again."""
    return Response(answer.json, media_type="application/json")


async def list_products(
    query: Annotated[ProductFilter, Query()],
    products: ProductService = Provide[container.products],
) -> Response:
    return cached_json(await products.page(query))


async def read_product(
    product_id: Annotated[int, Path()], products: ProductService = Provide[container.products]
) -> Response:
    return cached_json(await products.detail(product_id))


async def create_product(
    body: ProductCreate, products: ProductService = Provide[container.products]
) -> JSONResponse:
    product = await products.create(body)
    return JSONResponse(
        product.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/products/{product.id}"},
    )


async def update_product(
    product_id: Annotated[int, Path()],
    body: ProductUpdate,
    products: ProductService = Provide[container.products],
) -> JSONResponse:
    product = await products.update(product_id, body.changes())
    return JSONResponse(product.model_dump(mode="json"))


async def archive_product(
    product_id: Annotated[int, Path()], products: ProductService = Provide[container.products]
) -> Response:
    await products.archive(product_id)
    return Response(status_code=204)
