"""Bureau holds (R15, R17): a loan whose repayment records disagree with the partner
bank's is not reported negative until the disagreement is resolved.

The interface the partner-bank work drives (wave 2): :func:`place_hold`,
:func:`release_hold`, :func:`is_held`, over the table ``bureau_holds``. None of them
commits: the caller's unit of work does. While a loan has an open hold its records show
no past-due month (:mod:`loanbook.bureau.records`); releasing the last hold checks every
record of the loan again and corrects those that were wrong
(:mod:`loanbook.bureau.corrections`).
"""

from __future__ import annotations

from loanbook.bureau.corrections import recheck_loans
from loanbook.errors import BadInput, NotFound
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork


def _text(value: str, what: str, longest: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"a hold needs a {what}")
    if len(value) > longest:
        raise BadInput(f"a hold's {what} is at most {longest} characters")
    return value.strip()


def place_hold(uow: UnitOfWork, *, loan_id: int, reason: str, source: str) -> int:
    """Hold ``loan_id`` from negative reporting from the business date on; returns the
    hold's id. Several sources may hold one loan at once."""
    store = BureauStore(uow.session)
    if store.loan(loan_id) is None:
        raise NotFound(f"loan {loan_id} does not exist")
    return store.add_hold(
        loan_id=loan_id, reason=_text(reason, "reason", 200), source=_text(source, "source", 64),
        placed_on=uow.business_dates.get(),
    )


def release_hold(uow: UnitOfWork, *, loan_id: int, source: str) -> None:
    """Release ``source``'s open holds of ``loan_id`` on the business date. Once no hold
    is left, the loan's records are checked against the books and corrected (R15)."""
    store = BureauStore(uow.session)
    if store.loan(loan_id) is None:
        raise NotFound(f"loan {loan_id} does not exist")
    holds = store.open_holds(loan_id, source)
    if not holds:
        raise BadInput(f"loan {loan_id} has no open hold from {source!r}")
    today = uow.business_dates.get()
    for hold in holds:
        hold.released_on = today
    uow.session.flush()
    if not store.open_holds(loan_id):
        recheck_loans(uow, [loan_id], today=today, reason=f"hold released by {source}")


def is_held(uow: UnitOfWork, loan_id: int) -> bool:
    return bool(BureauStore(uow.session).held_loans([loan_id]))
