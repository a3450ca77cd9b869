"""Every route the app serves, declared once each in this package's modules: a list named
ROUTES in each (method, path, endpoint, access, rate-limit class, OpenAPI facts; web/route.py
says what each fact means). Declarations only: web/route_table.py collects them, so a new
routes/<resource>.py is picked up without editing any other file."""
