"""The real app (main.create_app) plus the probe routes; served as `tests.probe_app:app`."""

from main import create_app
from tests.probe_routes import router

# The probes are public so that the error boundary can be tested without a token.
app = create_app(extra_routers=[router], extra_public_prefixes=["/probe/"])
