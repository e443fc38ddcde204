"""Health, readiness, metrics and the API documentation, served offline (issue 11 item 6).

No token is needed: a load balancer and Prometheus call these, and they show no
personal data (counts, latencies, the business date). Keep /metrics on the internal
network as any Prometheus target.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.staticfiles import StaticFiles

from loanbook.api.errors import database_reply
from loanbook.api.schemas import ErrorEnvelope
from loanbook.store.unit_of_work import UnitOfWork

routes = APIRouter(tags=["operations"])
STATIC_PREFIX = "/static"


class HealthPublic(BaseModel):
    status: str


class ReadyPublic(BaseModel):
    status: str
    business_date: str


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(resources.files("loanbook.api") / "static"))


@routes.get("/healthz", response_model=HealthPublic)
async def healthz() -> HealthPublic:
    """The process is up and answering."""
    return HealthPublic(status="ok")


def _not_ready(code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=503, headers={"Retry-After": "5"})


@routes.get("/readyz", response_model=ReadyPublic,
            responses={503: {"model": ErrorEnvelope, "description": "The database cannot be reached, has no business "
                                                                     "date, or the business date is being closed."}})
def readyz(request: Request) -> Response:
    """Ready for traffic: the database answers and the business date is not being closed
    (money movements would be refused until close of business ends)."""
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            today = uow.business_dates.current()
            cob = uow.cob_days.get(today) if today is not None else None
            closing = cob is not None and cob.status == "running"
    except Exception as exc:  # noqa: BLE001 - whatever the database did, the answer is "not ready"
        reply = database_reply(exc)
        return _not_ready(reply.code if reply else "database_unavailable",
                          reply.message if reply else "the database cannot be reached just now")
    if today is None:
        return _not_ready("database_not_initialised", "the database has no business date: run `loanbook init`")
    if closing:
        return _not_ready("closing", f"business day {today} is being closed")
    return JSONResponse({"status": "ready", "business_date": today.isoformat()})


@routes.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@routes.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=request.app.openapi_url, title=f"{request.app.title} - Swagger UI",
                               swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
                               swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
                               swagger_favicon_url=f"{STATIC_PREFIX}/favicon.png")


@routes.get("/redoc", include_in_schema=False)
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(openapi_url=request.app.openapi_url, title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{STATIC_PREFIX}/redoc.standalone.js",
                          redoc_favicon_url=f"{STATIC_PREFIX}/favicon.png", with_google_fonts=False)
