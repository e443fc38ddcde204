"""Daily reconciliation with a partner bank, its breaks, and the holds they call for (R17).

The bank's file for day D says, per loan it co-funds, its share of principal and income
received by the end of D, as it believes. The platform's side is read off the ledger's
partner accounts (split entries booked by D). Each difference is a break with a cause, an
owner, an age and, once worked, a resolution; breaks are never edited away: a later file
that agrees resolves them as ``matched``, staff resolve them with ``resend`` (the loan's
messages are delivered again; the bank applies each once), ``adjust`` (a reversing entry
in the ledger, kept apart from the split) or ``accept`` (with a note).

A loan with an open break, or with an undelivered message older than the partner's
configured delay, is held from negative bureau reporting (R15, R17); once neither is true
the hold is released, and the bureau corrects what it reported wrongly meanwhile.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine

from loanbook.bureau.holds import is_held, place_hold, release_hold
from loanbook.errors import BadInput, Conflict, NotFound
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry, signed
from loanbook.store.partners import Partners, ReconBreak
from loanbook.store.unit_of_work import UnitOfWork

HOLD_SOURCE = "partner"
RESOLUTIONS = ("resend", "adjust", "accept")
OWNERS = {"undelivered_message": "platform_ops", "missing_at_bank": "platform_ops",
          "amount_mismatch": "partner_bank", "unknown_loan": "partner_bank"}
FILE_HEADER = ["loan_id", "principal_fen", "income_fen"]
log = logging.getLogger("loanbook.partners")


@dataclass(slots=True)
class Reconciliation:
    partner_code: str
    file_date: date
    file_id: int
    loans_in_file: int
    loans_on_platform: int
    breaks_found: int = 0
    breaks_matched: int = 0
    causes: dict[str, int] = field(default_factory=dict)


def parse_file(text: str) -> list[tuple[int, int, int]]:
    """The bank's daily file: a CSV with header loan_id,principal_fen,income_fen."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != FILE_HEADER:
        raise BadInput(f"the file must start with the header {','.join(FILE_HEADER)}, not {','.join(header or [])!r}")
    lines, seen = [], set()
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            loan_id, principal, income = (int(v) for v in row)
        except ValueError:
            raise BadInput(f"line {number} of the file: {','.join(row)!r} is not three whole numbers of fen") from None
        if loan_id in seen:
            raise BadInput(f"line {number} of the file: loan {loan_id} appears twice")
        seen.add(loan_id)
        lines.append((loan_id, principal, income))
    return lines


def read_file(path: Path) -> list[tuple[int, int, int]]:
    try:
        return parse_file(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read the file {path}: {exc.strerror}") from None


def _partner(partners: Partners, code: str):  # noqa: ANN202
    row = partners.get(code)
    if row is None:
        raise NotFound(f"no partner {code}")
    return row


def reconcile(engine: Engine, *, partner_code: str, file_date: date, lines: list[tuple[int, int, int]]) -> Reconciliation:
    """Import the bank's file for ``file_date`` and compare it with the ledger; one unit of work."""
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
        if file_date >= today:
            raise BadInput(f"the file for {file_date} can be reconciled once that day is closed (business date {today})")
        partners = uow.partners
        _partner(partners, partner_code)
        platform = partners.platform_side(partner_code, file_date)
        bank = {loan_id: (p, i) for loan_id, p, i in lines}
        undelivered = partners.undelivered_loans(partner_code, file_date)
        already_open = partners.open_break_loans(partner_code)
        file_id = partners.add_file(partner_code=partner_code, file_date=file_date, imported_on=today, lines=lines)
        result = Reconciliation(partner_code, file_date, file_id, len(bank), len(platform))
        new_breaks = []
        for loan_id in platform.keys() | bank.keys():
            ours, theirs = platform.get(loan_id), bank.get(loan_id)
            if ours == theirs:
                continue
            cause = ("unknown_loan" if ours is None else "missing_at_bank" if theirs is None
                     else "undelivered_message" if loan_id in undelivered else "amount_mismatch")
            result.causes[cause] = result.causes.get(cause, 0) + 1
            if loan_id in already_open:
                continue  # still open: its age keeps growing, no second break
            new_breaks.append({
                "partner_code": partner_code, "file_id": file_id, "loan_id": loan_id, "file_date": file_date,
                "cause": cause, "owner": OWNERS[cause], "opened_on": today, "state": "open",
                "platform_principal_fen": (ours or (0, 0))[0], "platform_income_fen": (ours or (0, 0))[1],
                "bank_principal_fen": (theirs or (0, 0))[0], "bank_income_fen": (theirs or (0, 0))[1], "note": "",
            })
        partners.add_breaks(new_breaks)
        result.breaks_found = len(new_breaks)
        partners.set_breaks_found(file_id, len(new_breaks))
        agreeing = {loan_id for loan_id in already_open if platform.get(loan_id) == bank.get(loan_id)}
        matched = [b.id for b in partners.breaks(partner_code, state="open") if b.loan_id in agreeing]
        partners.close_breaks(matched, resolution="matched", resolved_on=today, note=f"the file for {file_date} agrees")
        result.breaks_matched = len(matched)
        refresh_holds(uow, {b["loan_id"] for b in new_breaks if b["cause"] != "unknown_loan"} | agreeing | _held_by_us(uow))
        uow.commit()
        return result


def hold_reasons(uow: UnitOfWork, loan_ids: set[int]) -> dict[int, str]:
    """Why each loan must be held from negative reporting now, if it must."""
    partners = uow.partners
    today = uow.business_dates.get()
    open_breaks = partners.open_break_loans()
    reasons = {loan_id: "open reconciliation break with the partner bank" for loan_id in loan_ids & open_breaks}
    for partner in partners.all():
        stale = partners.stale_undelivered_by_day(today - timedelta(days=partner.delay_days - 1))
        for loan_id in (stale & loan_ids) - reasons.keys():
            reasons[loan_id] = f"a message to {partner.code} undelivered for more than {partner.delay_days} day(s)"
    return reasons


def refresh_holds(uow: UnitOfWork, loan_ids: set[int]) -> tuple[int, int]:
    """Place the partner's hold on the loans that need one, release it from those that
    no longer do (the bureau then corrects their records); (placed, released)."""
    if not loan_ids:
        return 0, 0
    reasons = hold_reasons(uow, loan_ids)
    bureau = uow.bureau
    placed = released = 0
    for loan_id in sorted(loan_ids):
        held_by_us = bool(bureau.open_holds(loan_id, HOLD_SOURCE))
        if loan_id in reasons and not held_by_us and bureau.loan(loan_id) is not None:
            place_hold(uow, loan_id=loan_id, reason=reasons[loan_id], source=HOLD_SOURCE)
            placed += 1
        elif loan_id not in reasons and held_by_us:
            release_hold(uow, loan_id=loan_id, source=HOLD_SOURCE)
            released += 1
    return placed, released


def nightly(uow: UnitOfWork, day: date) -> list[str]:
    """The partner's part of close of business for ``day``: hold the loans whose messages
    are undelivered beyond the delay, release those no longer in doubt, and check that
    the bank's file is not overdue (warn by default; refuse if the partner says so)."""
    partners = uow.partners
    warnings = []
    for partner in partners.all():
        latest = partners.latest_file_date(partner.code)
        due = day - timedelta(days=1 + partner.delay_days)
        if partner.file_overdue_refuses and partners.loan_ids(partner.code) and (latest is None or latest < due):
            raise Conflict(f"the daily file of {partner.code} for {due} is overdue: reconcile it before closing {day}")
        if partners.loan_ids(partner.code) and (latest is None or latest < due):
            warnings.append(f"the daily file of {partner.code} for {due} is overdue (last reconciled: {latest or 'none'})")
    delay_days = min((p.delay_days for p in partners.all()), default=1)
    stale = partners.stale_undelivered_by_day(day - timedelta(days=delay_days - 1))
    refresh_holds(uow, stale | _held_by_us(uow))
    for warning in warnings:
        log.warning(warning)
    return warnings


def _held_by_us(uow: UnitOfWork) -> set[int]:
    return {h.loan_id for h in uow.bureau.holds() if h.released_on is None and h.source == HOLD_SOURCE}


def resolve_break(engine: Engine, *, break_id: int, resolution: str, note: str = "",
                  partner_code: str | None = None) -> ReconBreak:
    """Work a break: resend, adjust (a reversing entry) or accept; never edited away."""
    if resolution not in RESOLUTIONS:
        raise BadInput(f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    if resolution == "accept" and not note.strip():
        raise BadInput("accepting a break needs a note saying why")
    with UnitOfWork(engine) as uow:
        today = uow.business_dates.get()
        partners = uow.partners
        row = partners.get_break(break_id, for_update=True)
        if row is None or (partner_code is not None and row.partner_code != partner_code):
            raise NotFound(f"no break {break_id}" + (f" of partner {partner_code}" if partner_code else ""))
        if row.state != "open":
            raise Conflict(f"break {break_id} is already resolved ({row.resolution} on {row.resolved_on})")
        if resolution == "resend":
            count = partners.requeue(row.loan_id)
            note = note or f"{count} message(s) of loan {row.loan_id} queued again"
        elif resolution == "adjust":
            _post_adjustment(uow, row, today)
        partners.close_breaks([break_id], resolution=resolution, resolved_on=today, note=note)
        refresh_holds(uow, {row.loan_id})
        resolved = partners.get_break(break_id)  # as resolved, read before the commit
        uow.commit()
        return resolved


def _post_adjustment(uow: UnitOfWork, row: ReconBreak, today: date) -> None:
    """What is due to the partner follows the bank's figures: the difference moves from
    cash due to the partner into the reconciliation suspense, as its own entry (the split
    entries stay as they were: the ledger check still proves the split)."""
    difference = (row.platform_principal_fen + row.platform_income_fen) - (row.bank_principal_fen + row.bank_income_fen)
    lines = [line for line in (
        signed(Account.PARTNER_CASH_DUE, difference, debit=True),
        signed(Account.PARTNER_SUSPENSE, difference, debit=False),
    ) if line is not None]
    if lines:
        uow.journal.post([JournalEntry(today, "partner_adjustment", tuple(lines),
                                       memo=f"break {row.id}: loan {row.loan_id} adjusted to the bank's file")])


def loan_is_held(uow: UnitOfWork, loan_id: int) -> bool:
    return is_held(uow, loan_id)
