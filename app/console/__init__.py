"""The county web console (issue 19): server-rendered pages on `kace serve` for the county's
扶贫办 — laptops and their sync, figures by township and village, households, parked changes and
data checks. Mounted into the sync server's FastAPI app by create_app (mount_console)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("static")


def mount_console(app, engine, **options) -> None:
    """Add the console's pages to the server app: `/` after log-in, `/console-static` for its CSS."""
    from fastapi import Request
    from fastapi.staticfiles import StaticFiles

    from app.console.routes import build_router
    from app.console.web import Console, ConsoleRefused, LoginRequired, login_redirect

    console = Console(engine, **options)
    app.state.console = console
    app.include_router(build_router(console))
    app.mount("/console-static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        return login_redirect(request)

    @app.exception_handler(ConsoleRefused)
    async def refused(request: Request, exc: ConsoleRefused):
        logged = getattr(request.state, "console_user", None)
        return console.render(request, "error.html", exc.status, title=exc.title, message=exc.message,
                              me=logged.user if logged else None, csrf=logged.csrf_token if logged else "")
