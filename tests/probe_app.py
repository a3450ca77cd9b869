"""The real app (main.create_app) plus the probe routes; served as `tests.probe_app:app`."""

from main import create_app
from tests.probe_routes import ROUTES

app = create_app(extra_routes=ROUTES)
