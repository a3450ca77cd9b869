"""GET /shop: the catalogue as a server-rendered page (templates/shop.html), with each
product's first image. Like every page it loads nothing but /static/ assets and uploaded
images: the CSP allows no inline script or style."""

from typing import Annotated, Any
from urllib.parse import urlencode

from velithon.params import Query
from velithon.responses import HTMLResponse

from config import Settings
from containers import Provide, container
from endpoints.pages import templates
from models.product import ProductFilter
from services.image_service import ImageService
from services.product_service import ProductService


async def shop(
    query: Annotated[ProductFilter, Query()],
    settings: Settings = Provide[container.settings],
    products: ProductService = Provide[container.products],
    images: ImageService = Provide[container.images],
) -> HTMLResponse:
    """The catalogue as a page: GET /products' query (filters, sort, limit, cursor), with
    each product's first image and a link to the next page."""
    page = (await products.page(query)).model()
    pictures = await images.first_images(item.id for item in page.items)
    filters = query.model_dump(mode="json", exclude_unset=True, exclude={"cursor"})
    context: dict[str, Any] = {
        "app_name": settings.app_name,
        "products": [
            {
                "name": item.name,
                "price": f"{item.price:.2f}",
                "stock": f"{item.stock} in stock" if item.stock else "sold out",
                "image": pictures.get(item.id),
            }
            for item in page.items
        ],
        "first": _link(filters) if query.cursor is not None else None,
        "next": _link({**filters, "cursor": page.next_cursor}) if page.next_cursor else None,
    }
    return templates.render_response("shop.html", context)


def _link(params: dict[str, Any]) -> str:
    values = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}
    return "/shop" + ("?" + urlencode(values) if values else "")
