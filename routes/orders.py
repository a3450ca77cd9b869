from endpoints import orders
from models.order import OrderOut, OrderPage
from web.route import Route

ROUTES = [
    Route(
        "POST",
        "/orders",
        orders.place_order,
        summary="Place an order (stock is taken at once; a confirmation e-mail follows)",
        tags=("orders",),
        status=201,
        response=OrderOut,
        errors={409: "A product has too little stock (the detail names it)"},
    ),
    Route(
        "GET",
        "/orders",
        orders.list_orders,
        summary="Your orders, newest first (an admin's: everyone's)",
        tags=("orders",),
        response=OrderPage,
    ),
    Route(
        "GET",
        "/orders/{order_id}",
        orders.read_order,
        summary="One of your orders (an admin: anyone's)",
        tags=("orders",),
        response=OrderOut,
        errors={404: "No such order of yours"},
    ),
]
