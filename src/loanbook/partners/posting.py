"""Posting a co-funded loan's split and its outbox message, in the caller's transaction
(R17, transactional outbox).

Called once wherever the loan figures are posted (servicing and close of business): the
change of the partner's part of each co-funded loan becomes a balanced ``partner_split``
journal entry, and a message with a stable id (partner-loan-seq) for the bank. Nothing
here commits: the money, the split and the message are one unit of work or none.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal

from loanbook.ledger.entries import JournalEntry
from loanbook.ledger.figures import LoanFigures
from loanbook.ledger.revaluation import LoanMark
from loanbook.ledger.split import LoanShare, PartnerFigures, split, split_lines
from loanbook.store.partners import Partner, Partners
from loanbook.store.unit_of_work import UnitOfWork

DEFAULT_PARTNER_CODE = "BANK"
# The bank hears of these even with no money moved: plan changes (R11: an approved
# extension or negotiated plan, posted through servicing's one posting path) and write-offs.
NOTIFIED_WITHOUT_MONEY = {"plan_change", "extension", "negotiation", "write_off"}
_FIGURE_NAMES = tuple(LoanFigures.__dataclass_fields__)
# Only receipts (and the funding) are split: income recognised but unpaid is not the bank's news.
_SPLIT_NAMES = ("principal_disbursed_fen", "principal_paid_fen", "interest_paid_fen", "penalty_paid_fen")


def _receipts_changed(after: dict[str, object], before: LoanMark | None) -> bool:
    if before is None:
        return True
    return any(int(after[name]) != getattr(before.figures, name) for name in _SPLIT_NAMES)  # type: ignore[call-overload]


def _figures(values: dict[str, object]) -> LoanFigures:
    return LoanFigures(**{name: int(values[name]) for name in _FIGURE_NAMES})  # type: ignore[arg-type]


def _default_partner(partners: Partners) -> Partner:
    """The partner that funds co-funded drawdowns; one called BANK if none is configured."""
    row = partners.default()
    if row is None:
        row = partners.get(DEFAULT_PARTNER_CODE) or partners.put(
            code=DEFAULT_PARTNER_CODE, name="partner bank", base_url=None, is_default=True, delay_days=1)
    return row


def post_partner_split(
    uow: UnitOfWork,
    marks_before: Mapping[int, LoanMark],
    marks_after: list[dict[str, object]],
    *,
    on: date,
    kind: str,
    transaction_id: int | None = None,
    shared_loans: Collection[int] | None = None,
) -> int:
    """Post the split and write the messages for every co-funded loan among ``marks_after``;
    returns the number of messages written.

    ``shared_loans``: where the caller knows them (from the book), the loans drawn with a
    partner share; only those can be co-funded (R17: a link is made at drawdown for a
    share above 0), so a posting that has none reads nothing more (issue 10: a repayment
    on a loan the platform funds alone asks neither for its transaction nor its links)."""
    if shared_loans is not None:
        marks_after = [m for m in marks_after if int(m["loan_id"]) in shared_loans]
    tx = None
    if transaction_id is not None and kind in NOTIFIED_WITHOUT_MONEY:
        tx = uow.borrowers.transaction(transaction_id)
    notified = tx.loan_id if tx is not None else None  # the loan whose plan changed
    changed = {int(m["loan_id"]): m for m in marks_after
               if int(m["loan_id"]) == notified or _receipts_changed(m, marks_before.get(int(m["loan_id"])))}
    if not changed:
        return 0
    partners = uow.partners
    cofunded = partners.of_loans(list(changed))
    new_loans = [loan_id for loan_id, m in changed.items() if loan_id not in cofunded and marks_before.get(loan_id) is None]
    if new_loans:
        cofunded.update(_register_new_loans(uow, partners, new_loans, changed))
    if not cofunded:
        return 0
    written = 0
    if tx is None and transaction_id is not None:
        tx = uow.borrowers.transaction(transaction_id)
    value_date = tx.value_date if tx is not None else on
    for loan_id in sorted(cofunded):
        link = cofunded[loan_id]
        share = link.share
        mark = marks_before.get(loan_id)
        before = split(share, mark.figures if mark is not None else LoanFigures())
        after = split(share, _figures(changed[loan_id]))
        lines = split_lines(loan_id, before, after)
        if lines:
            uow.journal.post([JournalEntry(on, "partner_split", tuple(lines), transaction_id=transaction_id,
                                           memo=f"{link.partner_code} share {link.share} of loan {loan_id}")])
        if before != after or loan_id == notified:
            _write_message(partners, link, loan_id, kind, on, value_date, before, after, transaction_id)
            written += 1
    return written


def _register_new_loans(uow: UnitOfWork, partners: Partners, loan_ids: list[int],
                        changed: dict[int, dict[str, object]]) -> dict[int, LoanShare]:
    """A drawdown with a partner share: the partner and both shares fixed now (R17)."""
    added = {}
    for loan_id in loan_ids:
        loan = uow.borrowers.loan(loan_id)
        if loan is None or Decimal(loan.partner_share) == 0:
            continue
        partner = _default_partner(partners)
        share = Decimal(loan.partner_share)
        funded = split(share, _figures(changed[loan_id])).principal_funded_fen
        partners.add_loan(loan_id=loan_id, partner_code=partner.code, share=str(share), principal_share_fen=funded)
        added[loan_id] = partners.of_loans([loan_id])[loan_id]
    return added


def _write_message(partners: Partners, link: LoanShare, loan_id: int, kind: str, on: date, value_date: date,
                   before: PartnerFigures, after: PartnerFigures, transaction_id: int | None) -> None:
    seq = partners.next_seq(loan_id)
    message_id = f"{link.partner_code}-{loan_id}-{seq}"
    payload = {
        "message_id": message_id,
        "partner": link.partner_code,
        "loan_id": loan_id,
        "seq": seq,
        "kind": "disbursement" if before.principal_funded_fen == 0 and after.principal_funded_fen else kind,
        "booked_on": on.isoformat(),
        "value_date": value_date.isoformat(),
        "transaction_id": transaction_id,
        "share": str(link.share),  # as stored: a ratio's exact digits
        "principal_share_fen": after.principal_funded_fen,
        "principal_fen": after.principal_received_fen - before.principal_received_fen,
        "interest_fen": after.interest_received_fen - before.interest_received_fen,
        "penalty_fen": after.penalty_received_fen - before.penalty_received_fen,
    }
    partners.add_message(
        message_id=message_id, partner_code=link.partner_code, loan_id=loan_id, seq=seq, kind=payload["kind"],
        booked_on=on, payload=json.dumps(payload, sort_keys=True), state="undelivered",
        created_at=datetime.now(timezone.utc).replace(tzinfo=None), attempts=0,
    )
