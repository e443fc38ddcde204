"""Requests for an extension or a negotiated plan (R11), as values: what the requests
service and the edges read. The SQL is ``repositories.PlanRequests``'s; this subclass
only turns its ORM rows into :class:`PlanRequest` values at the store's edge, so no
``PlanRequestRow`` leaves ``store/`` (issue 10, item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loanbook.store.repositories import PlanRequests
from loanbook.store.values import value_of, values_of


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """A request and its decision: who made it, who decided, when (business dates), why."""

    id: int
    loan_id: int
    borrower_id: int
    kind: str  # extension, negotiation
    months: int
    method: str | None  # negotiation only
    waive_penalty: str | None  # "all" or an amount, negotiation only
    reason: str
    status: str  # pending, approved, rejected, lapsed
    made_by: int  # users.id
    made_on: date
    decided_by: int | None  # None for a lapse (close of business)
    decided_on: date | None
    decision_reason: str


class PlanRequestValues(PlanRequests):
    """``PlanRequests`` handing out :class:`PlanRequest` values instead of rows."""

    def add(self, **values: object) -> PlanRequest:  # type: ignore[override]
        return value_of(PlanRequest, super().add(**values))

    def get(self, request_id: int, *, for_update: bool = False) -> PlanRequest | None:  # type: ignore[override]
        row = super().get(request_id, for_update=for_update)
        return None if row is None else value_of(PlanRequest, row)

    def listed(self, **where: object) -> list[PlanRequest]:  # type: ignore[override]
        return values_of(PlanRequest, super().listed(**where))  # type: ignore[arg-type]

    def pending_extensions(self, *, maturing_by: date) -> list[PlanRequest]:  # type: ignore[override]
        return values_of(PlanRequest, super().pending_extensions(maturing_by=maturing_by))
