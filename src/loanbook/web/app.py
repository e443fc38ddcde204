"""``install_web(app)``: the web pages on the application made by ``api.app.create_app``."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from loanbook.web import borrower, sign_in
from loanbook.web.errors import install_error_pages

ASSETS_PREFIX = "/assets"  # the pages' own static files; /static is the API docs'
PAGE_MODULES = (sign_in, borrower)  # each has ``routes``, an APIRouter


def install_web(app: FastAPI) -> None:
    """Mount the pages' routers and static files; the error pages wrap the API's
    handlers, so call this after ``install_error_handlers``."""
    for module in PAGE_MODULES:
        app.include_router(module.routes)
    app.mount(ASSETS_PREFIX, StaticFiles(directory=str(resources.files("loanbook.web") / "static")), name="assets")
    install_error_pages(app)
