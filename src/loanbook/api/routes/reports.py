"""Portfolio reports (issue 11 item 3): staff only, read from the cached figures and the
loan events (service/reports.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from loanbook.api.deps import STAFF_READ, UowDep, User, allowed
from loanbook.api.routes import router
from loanbook.api.schemas import IsoDate
from loanbook.service import reports
from loanbook.service.reports import Report

routes = router("/v1/reports", "reports")
Staff = Annotated[User, Depends(allowed(STAFF_READ))]


class ReportPublic(BaseModel):
    name: str
    title: str
    as_of: date
    columns: list[str]
    rows: list[dict[str, str | int]] = Field(description="One object per row, keyed by column; amounts as strings.")
    notes: dict[str, object] = Field(description="What the report adds beside its rows (e.g. the credit balances).")

    @classmethod
    def of(cls, done: Report) -> ReportPublic:
        return cls(name=done.name, title=done.title, as_of=done.as_of, columns=list(done.columns),
                   rows=done.records(), notes=done.notes)


Day = Annotated[IsoDate | None, Query(alias="date", description="YYYY-MM-DD; default the business date.")]


@routes.get("/portfolio", response_model=ReportPublic)
def portfolio(_user: Staff, uow: UowDep) -> ReportPublic:
    """Loans and balances by status on the business date, and the credit balances held."""
    return ReportPublic.of(reports.portfolio(uow))


@routes.get("/dpd", response_model=ReportPublic)
def dpd(_user: Staff, uow: UowDep) -> ReportPublic:
    """Open loans by days past due in R15's buckets, on the business date."""
    return ReportPublic.of(reports.dpd(uow))


@routes.get("/roll-rates", response_model=ReportPublic)
def roll_rates(_user: Staff, uow: UowDep, on: Day = None) -> ReportPublic:
    """Month over month, where the loans of each bucket went, to ``date``."""
    return ReportPublic.of(reports.roll_rates(uow, on))


@routes.get("/events", response_model=ReportPublic)
def events(_user: Staff, uow: UowDep, on: Day = None) -> ReportPublic:
    """The loan events of a day (entered grace, went overdue, cured, settled, DPD bucket)."""
    return ReportPublic.of(reports.events(uow, on))
