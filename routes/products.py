from endpoints import products
from models.product import ProductOut, ProductPage
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/products",
        products.list_products,
        access="public",
        summary="List products: a page after `cursor`, filtered and sorted",
        tags=("products",),
        response=ProductPage,
    ),
    Route(
        "GET",
        "/products/{product_id}",
        products.read_product,
        access="public",
        summary="A product",
        tags=("products",),
        response=ProductOut,
        errors={404: "No such product (or archived)"},
    ),
    Route(
        "POST",
        "/products",
        products.create_product,
        access="admin",
        summary="Add a product",
        tags=("products",),
        status=201,
        response=ProductOut,
        errors={409: "A product with this SKU exists"},
    ),
    Route(
        "PATCH",
        "/products/{product_id}",
        products.update_product,
        access="admin",
        summary="Change a product",
        tags=("products",),
        response=ProductOut,
        errors={404: "No such product (or archived)", 409: "A product with this SKU exists"},
    ),
    Route(
        "DELETE",
        "/products/{product_id}",
        products.archive_product,
        access="admin",
        summary="Archive a product: gone from the catalogue, kept for past orders",
        tags=("products",),
        status=204,
        response=None,
        errors={404: "No such product (or archived already)"},
    ),
]
