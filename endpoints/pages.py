"""Server-rendered pages (Velithon's Handlebars engine; {{x}} is HTML-escaped)."""

from pathlib import Path

from velithon.responses import HTMLResponse
from velithon.templates import TemplateEngine

from containers import AppInfo, Provide, container, inject

templates = TemplateEngine(Path(__file__).resolve().parent.parent / "templates", auto_reload=False)


@inject
async def home(app: AppInfo = Provide[container.app_info]) -> HTMLResponse:
    context = {"app_name": app.name, "version": app.version, "environment": app.environment}
    return templates.render_response("index.html", context)
