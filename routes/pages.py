from velithon.routing import Router

from endpoints import pages

router = Router()
router.add_api_route("/", pages.home, methods=["GET"], tags=["pages"], include_in_schema=False)
