"""Operations (issue 11 item 6): request ids, structured JSON logs, Prometheus metrics.

Every request gets a request id: the caller's ``X-Request-Id`` when it is a plain token
(1-64 of ``A-Z a-z 0-9 . _ : -``), else a new one; it is sent back in ``X-Request-Id``
and is on every log line written while the request runs.

Logs are one JSON object per line (:class:`JsonFormatter`). They never carry personal
data or secrets: a request is logged by its route template (``/v1/borrowers/{borrower_id}``),
never its path with query string (which may hold a searched name or phone), and never
its headers (the bearer token) or body; log messages written by loanbook name ids, codes
and counts only. A traceback is written only with ``LOANBOOK_LOG_TRACES=1`` (it may show
values).

Metrics (``/metrics``, Prometheus text format, from ``prometheus-client``): requests and
latencies by method, route template and status; repayments booked; close-of-business
runs through the API and their duration; and, read from the database at each scrape,
the business date and the progress of a close of business under way.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from loanbook.api.guards import App, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
TRACES_VARIABLE = "LOANBOOK_LOG_TRACES"
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("loanbook_request_id", default="-")
access_log = logging.getLogger("loanbook.access")
SQLALCHEMY_LEVEL = logging.WARNING

REPAYMENT_ROUTE = ("POST", "/v1/borrowers/{borrower_id}/repayments")
PAYOFF_ROUTE = ("POST", "/v1/borrowers/{borrower_id}/payoffs")
CLOSE_ROUTE = ("POST", "/v1/business-date/close")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
COB_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key in ("method", "route", "status", "duration_ms", "user_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and os.environ.get(TRACES_VARIABLE) == "1":
            entry["trace"] = self.formatException(record.exc_info)
        elif record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr, from the root logger: loanbook's and uvicorn's loggers lose
    handlers of their own and propagate to it (uvicorn's access log is off: it would write
    the path with its query string)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("loanbook", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.setLevel(level)
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # SQLAlchemy echoes every statement with its parameters (names, phones) at INFO: never
    # let a root logger at INFO turn that on.
    logging.getLogger("sqlalchemy").setLevel(SQLALCHEMY_LEVEL)


class Metrics:
    """The metrics of one app, in a registry of its own (several apps may live in one
    process, as in the tests)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("loanbook_http_requests", "HTTP requests answered.", ("method", "route", "status"),
                                registry=self.registry)
        self.latency = Histogram("loanbook_http_request_duration_seconds", "Time to answer, by route template.",
                                 ("method", "route"), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.repayments = Counter("loanbook_repayments", "Repayments booked through the API (not replays).",
                                  registry=self.registry)
        self.payoffs = Counter("loanbook_payoffs", "Payoffs booked through the API (not replays).", registry=self.registry)
        self.cob_runs = Counter("loanbook_cob_runs", "Close-of-business runs through the API, by status.", ("status",),
                                registry=self.registry)
        self.cob_duration = Histogram("loanbook_cob_duration_seconds", "Duration of a close of business run through the API.",
                                      buckets=COB_BUCKETS, registry=self.registry)
        self.registry.register(_StoreCollector(engine))

    def observe(self, method: str, route: str, status: int, seconds: float, replayed: bool) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        done = 200 <= status < 300 and not replayed
        if done and (method, route) == REPAYMENT_ROUTE:
            self.repayments.inc()
        if done and (method, route) == PAYOFF_ROUTE:
            self.payoffs.inc()
        if (method, route) == CLOSE_ROUTE and not replayed:
            self.cob_runs.labels("done" if done else "failed").inc()
            if done:
                self.cob_duration.observe(seconds)


class _StoreCollector(Collector):
    """Read at each scrape: the business date, and how far a close of business has got
    (it may run in another process: ``loanbook cob run``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from loanbook.store.unit_of_work import UnitOfWork

        up = GaugeMetricFamily("loanbook_database_up", "1 when the database answered this scrape.")
        try:
            with UnitOfWork(self.engine) as uow:
                today = uow.business_dates.current()
                cob = uow.cob_days.get(today) if today is not None else None
                closing = cob is not None and cob.status == "running"
                closed_so_far = cob.borrowers_closed if cob is not None else 0
        except Exception:  # noqa: BLE001 - a scrape reports the database down, it does not fail
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if today is None:
            return
        business = GaugeMetricFamily("loanbook_business_date_seconds", "The business date, as Unix time of its midnight UTC.")
        business.add_metric([], datetime.combine(today, datetime.min.time(), timezone.utc).timestamp())
        yield business
        running = GaugeMetricFamily("loanbook_cob_running", "1 while the business date is being closed.")
        running.add_metric([], 1 if closing else 0)
        yield running
        progress = GaugeMetricFamily("loanbook_cob_borrowers_closed",
                                     "Borrowers closed so far by the close of business of the business date.")
        progress.add_metric([], closed_so_far or 0)
        yield progress


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def route_template(scope: Scope) -> str:
    """The matched route's template; "unmatched" for a path no route has (never the raw
    path: it may hold anything a client typed)."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class Observability:
    """The outermost ASGI middleware: request id in and out, one access log line and the
    metrics of each HTTP request."""

    def __init__(self, app: App, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = given if given and REQUEST_ID_PATTERN.fullmatch(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "replayed": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                headers = list(message.get("headers", []))
                answer["replayed"] = any(k.lower() == b"idempotent-replayed" for k, _ in headers)
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method, route = scope.get("method", "-"), route_template(scope)
            self.metrics.observe(method, route, answer["status"], seconds, answer["replayed"])
            access_log.info("request", extra={"method": method, "route": route, "status": answer["status"],
                                              "duration_ms": round(seconds * 1000, 1), "request_id": request_id})
            request_id_var.reset(token)

