"""Server-rendered pages (Velithon's Handlebars engine; {{x}} is HTML-escaped)."""

from pathlib import Path

from velithon.responses import HTMLResponse
from velithon.templates import TemplateEngine

from config import Settings
from containers import Provide, container, inject

templates = TemplateEngine(Path(__file__).resolve().parent.parent / "templates", auto_reload=False)


@inject
async def home(settings: Settings = Provide[container.settings]) -> HTMLResponse:
    context = {
        "app_name": settings.app_name,
        "version": settings.app_version,
        "environment": settings.environment,
    }
    return templates.render_response("index.html", context)
