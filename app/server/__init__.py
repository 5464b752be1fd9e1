"""The county server: the FastAPI application (app.py assembles it) with the sync protocol's
routers (routes_*.py) over app/sync/county_service.py, and the county's web console (app/console)
mounted at /. direct.py is the same service called in-process (tests, no network)."""
