"""Partner banks (R17): the outbox with the age of what is undelivered, and the
reconciliation breaks, listed and worked (never edited away). Staff only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from pydantic import AfterValidator, Field

from loanbook.api.deps import ADMIN, ID_MAX, STAFF_READ, EngineDep, allowed
from loanbook.api.routes import router
from loanbook.api.schemas import Command, Text, _plain_text
from loanbook.service import partner_reconcile, partner_relay
from loanbook.service.partners_admin import list_breaks
from loanbook.service.users import User

routes = router("/v1/partners", "partners")
Code = Annotated[str, Path(pattern=r"^[A-Z][A-Z0-9_]{1,31}$", description="The partner's code, e.g. BANK")]
Note = Annotated[Text, Field(max_length=300), AfterValidator(_plain_text)]


class BreakResolution(Command):
    resolution: Literal["resend", "adjust", "accept"]
    note: Note = ""


@routes.get("/{code}/outbox")
def get_outbox(_: Annotated[User, Depends(allowed(STAFF_READ))], engine: EngineDep, code: Code,
               state: Annotated[Literal["undelivered", "delivered"], Query()] = "undelivered") -> list[dict[str, Any]]:
    """Messages to the bank, per loan in order, with their age in seconds and attempts."""
    return partner_relay.undelivered_with_age(engine, code, state)


@routes.get("/{code}/breaks")
def get_breaks(_: Annotated[User, Depends(allowed(STAFF_READ))], engine: EngineDep, code: Code,
               state: Annotated[Literal["open", "resolved", "all"], Query()] = "open") -> list[dict[str, Any]]:
    """Reconciliation breaks with cause, owner, age and resolution."""
    return list_breaks(engine, partner_code=code, state=state)


@routes.post("/{code}/breaks/{break_id}/resolution")
def resolve_break(_: Annotated[User, Depends(allowed(frozenset({ADMIN, "operator"})))], engine: EngineDep, code: Code,
                  break_id: Annotated[int, Path(ge=1, le=ID_MAX)], body: BreakResolution) -> dict[str, Any]:
    """Work a break: resend the loan's messages, adjust with a reversing entry, or accept (with a note)."""
    row = partner_reconcile.resolve_break(engine, break_id=break_id, resolution=body.resolution, note=body.note,
                                          partner_code=code)
    return {"id": row.id, "loan_id": row.loan_id, "state": row.state, "resolution": row.resolution,
            "resolved_on": row.resolved_on.isoformat() if row.resolved_on else None, "note": row.note}
