"""Server-rendered pages (Velithon's Handlebars engine; {{x}} is HTML-escaped). They load
nothing but /static/ assets and uploaded images: the CSP allows no inline script or style."""

from pathlib import Path

from velithon.requests import Request
from velithon.responses import HTMLResponse, Response
from velithon.templates import TemplateEngine

from config import Settings
from containers import Provide, container
from endpoints.static import file_response
from services.health_service import HealthService
from services.static_files import StaticFiles

templates = TemplateEngine(Path(__file__).resolve().parent.parent / "templates", auto_reload=False)


async def home(
    settings: Settings = Provide[container.settings],
    health: HealthService = Provide[container.health],
) -> HTMLResponse:
    report = await health.report()  # live: each dependency asked now, within HEALTH_TIMEOUT
    context = {
        "app_name": settings.app_name,
        "version": settings.app_version,
        "environment": settings.environment,
        "database": report["database"],
        "database_class": report["database"].partition(":")[0],
        "redis": report["redis"],
        "redis_class": report["redis"].partition(":")[0],
    }
    return templates.render_response("index.html", context)


async def favicon(
    request: Request,
    files: StaticFiles = Provide[container.static_files],
    settings: Settings = Provide[container.settings],
) -> Response:
    return file_response(request, files, "favicon.ico", settings.static_max_age)
