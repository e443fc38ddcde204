"""Partner bank administration and reads (R17): adding a partner, listing breaks."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from loanbook.errors import BadInput
from loanbook.store.unit_of_work import UnitOfWork

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


def add_partner(engine: Engine, *, code: str, name: str = "", base_url: str | None = None, is_default: bool = True,
                delay_days: int = 1, file_overdue_refuses: bool = False) -> dict[str, object]:
    if not CODE.match(code):
        raise BadInput(f"partner code {code!r} must be 2-32 capitals, digits or _, starting with a capital")
    if base_url is not None and not re.match(r"^https?://[^\s/]+(:\d+)?(/\S*)?$", base_url):
        raise BadInput(f"--url {base_url!r} must be an http(s) URL")
    if delay_days < 0:
        raise BadInput("the delay is a number of days, 0 or more")
    with UnitOfWork(engine) as uow:
        row = uow.partners.put(code=code, name=name, base_url=base_url, is_default=is_default,
                                        delay_days=delay_days, file_overdue_refuses=file_overdue_refuses)
        result = {"code": row.code, "base_url": row.base_url, "is_default": bool(row.is_default), "delay_days": row.delay_days}
        uow.commit()
        return result


def list_breaks(engine: Engine, *, partner_code: str | None = None, state: str = "open") -> list[dict[str, object]]:
    if state not in ("open", "resolved", "all"):
        raise BadInput(f"state must be open, resolved or all, not {state!r}")
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
        rows = uow.partners.breaks(partner_code, state=None if state == "all" else state)
        return [
            {"id": r.id, "partner": r.partner_code, "loan_id": r.loan_id, "file_date": r.file_date.isoformat(),
             "cause": r.cause, "owner": r.owner, "opened_on": r.opened_on.isoformat(),
             "age_days": ((r.resolved_on or today) - r.opened_on).days, "state": r.state, "resolution": r.resolution,
             "resolved_on": r.resolved_on.isoformat() if r.resolved_on else None, "note": r.note,
             "platform": {"principal_fen": r.platform_principal_fen, "income_fen": r.platform_income_fen},
             "bank": {"principal_fen": r.bank_principal_fen, "income_fen": r.bank_income_fen}}
            for r in rows
        ]
