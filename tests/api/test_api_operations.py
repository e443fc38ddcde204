"""Operations (issue 11 item 6): health, readiness, metrics, request ids, JSON logs, the
documentation served offline. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

from loanbook.api.observability import JsonFormatter
from loanbook.store.unit_of_work import UnitOfWork


def test_health_and_readiness(api):
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "business_date": "2026-01-15"}
    with UnitOfWork(api.engine) as uow:  # a close of business under way, as `loanbook cob run` leaves it
        uow.cob_days.start(uow.business_dates.get())
        uow.commit()
    closing = api.client.get("/readyz")
    assert closing.status_code == 503 and closing.json()["error"]["code"] == "closing"
    assert closing.headers["Retry-After"] == "5"


def test_request_ids_in_and_out(api):
    given = api.client.get("/healthz", headers={"X-Request-Id": "abc-123.x"})
    assert given.headers["X-Request-Id"] == "abc-123.x"
    odd = api.client.get("/healthz", headers={"X-Request-Id": "no spaces or 13800138000 please" * 3})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-Id"])
    assert api.get("/v1/loans/999").headers["X-Request-Id"] != odd.headers["X-Request-Id"]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_access_log_lines_are_json_with_the_request_id_and_route_template(api):
    borrower_id = api.borrower()
    access, seen = logging.getLogger("loanbook.access"), _Records()
    level = access.level
    access.addHandler(seen)  # on the logger itself: configure_logging may have stopped propagation
    access.setLevel(logging.INFO)
    try:
        reply = api.client.get(f"/v1/borrowers/{borrower_id}?x=Li%20Lei", headers={**api.auth(), "X-Request-Id": "r-1"})
    finally:
        access.removeHandler(seen)
        access.setLevel(level)
    assert reply.status_code == 200
    [record] = seen.records
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "r-1" and line["route"] == "/v1/borrowers/{borrower_id}"
    assert line["status"] == 200 and line["method"] == "GET" and line["level"] == "info"
    assert "Li" not in JsonFormatter().format(record)


def test_metrics_count_requests_repayments_and_show_the_business_date(api):
    borrower_id = api.borrower()
    api.loan(borrower_id)
    key = "metrics-1"
    for _ in range(2):  # the second is a replay: one repayment
        assert api.post(f"/v1/borrowers/{borrower_id}/repayments", {"amount": "50.00"}, key=key).status_code == 201
    text = api.client.get("/metrics").text
    assert "loanbook_repayments_total 1.0" in text
    assert ('loanbook_http_requests_total{method="POST",route="/v1/borrowers/{borrower_id}/repayments",status="201"} 2.0'
            in text)
    assert 'loanbook_http_request_duration_seconds_count{method="POST",route="/v1/borrowers/{borrower_id}/repayments"} 2.0' in text
    assert "loanbook_database_up 1.0" in text and "loanbook_cob_running 0.0" in text
    business = re.search(r"^loanbook_business_date_seconds (\S+)$", text, re.M)
    assert business and float(business.group(1)) == datetime(2026, 1, 15, tzinfo=timezone.utc).timestamp()
    assert api.post("/v1/business-date/close", None).status_code == 200
    text = api.client.get("/metrics").text
    assert 'loanbook_cob_runs_total{status="done"} 1.0' in text and "loanbook_cob_duration_seconds_count 1.0" in text


def test_swagger_ui_and_redoc_are_served_from_the_package(api):
    docs = api.client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger-ui-bundle.js" in docs.text
    redoc = api.client.get("/redoc")
    assert redoc.status_code == 200 and "/static/redoc.standalone.js" in redoc.text
    for page in (docs.text, redoc.text):
        assert not re.search(r"(src|href)=\"https?://", page), page  # nothing fetched from elsewhere
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        asset = api.client.get(f"/static/{name}")
        assert asset.status_code == 200 and len(asset.content) > 100_000
    assert api.client.get("/openapi.json").status_code == 200
