"""Use cases of day-to-day servicing: borrowers, drawdowns, repayments, payoffs, refunds,
and the reads that go with them. Each takes a fresh unit of work and commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from loanbook.errors import BadInput, Conflict, NotFound
from loanbook.money import ZERO, from_fen, to_fen
from loanbook.partners.posting import post_partner_split
from loanbook.rules import operations
from loanbook.rules.bill import Bill, bill, bill_of
from loanbook.rules.book import Book, Loan
from loanbook.rules.disclosure import AnnualRates, annual_rates
from loanbook.rules.moved import moved
from loanbook.rules.position import Allocation, LoanPosition, PayoffQuote
from loanbook.rules.replay import position
from loanbook.ledger.revaluation import LoanMark, Revaluation, revalue
from loanbook.store.repositories import StoredPositions
from loanbook.store.values import Borrower
from loanbook.store.unit_of_work import UnitOfWork

PENDING_TX = "pending"  # the core's id for a transaction before its row has one


@dataclass(frozen=True, slots=True)
class BorrowerSummary:
    borrower: Borrower
    business_date: date
    credit_limit: Decimal
    available: Decimal
    credit_balance: Decimal
    loans: tuple[LoanPosition, ...]


@dataclass(frozen=True, slots=True)
class Disbursement:
    loan_id: int
    borrower_id: int
    loan: Loan
    rates: AnnualRates
    state: LoanPosition


@dataclass(frozen=True, slots=True)
class MoneyResult:
    transaction_ids: tuple[int, ...]
    allocations: tuple[Allocation, ...]
    credit_balance: Decimal
    business_date: date


def _open_day(uow: UnitOfWork) -> date:
    """The business date, refusing money movements while that day is being closed."""
    today, cob_status = uow.business_dates.open_for_booking()
    if cob_status == "running":
        raise Conflict(f"business day {today} is being closed; try again once close of business has finished")
    return today


def _borrower(uow: UnitOfWork, borrower_id: int, *, for_update: bool = False) -> Borrower:
    row = uow.borrowers.get(borrower_id, for_update=for_update)
    if row is None:
        raise NotFound(f"no borrower {borrower_id}")
    return row


@dataclass(frozen=True, slots=True)
class Locked:
    """A borrower's book read under its row's lock, with what was last posted for it."""

    book: Book
    marks: Mapping[int, LoanMark]
    credit_balance_fen: int
    stored: StoredPositions


def _post(uow: UnitOfWork, borrower_id: int, book: Book, today: date, *, kind: str, cash_fen: int, tx_id: int | None,
          posted: Locked | None = None) -> Revaluation:
    """Post the borrower's change to the ledger, the cached figures and the events.
    ``posted``: what was last posted, read with the book under the lock (else read here)."""
    if posted is not None:
        marks, credit_before = posted.marks, posted.credit_balance_fen
    else:
        marks, credit_before = uow.marks.with_credit_balance(borrower_id)
    revaluation = revalue(borrower_id, book, today, marks, credit_before, kind=kind, cash_fen=cash_fen, transaction_id=tx_id)
    uow.journal.post(revaluation.entries)
    shared_loans = {int(loan.loan_id) for loan in book.loans if loan.partner_share}  # R17: only they are co-funded
    post_partner_split(uow, marks, revaluation.marks, on=today, kind=kind, transaction_id=tx_id,  # R17: split + outbox
                       shared_loans=shared_loans)
    uow.marks.put(revaluation.marks, marks)
    if revaluation.credit_balance_fen != credit_before:
        uow.marks.set_credit_balance(borrower_id, revaluation.credit_balance_fen)
    uow.events.add(revaluation.events)
    return revaluation


def _locked(uow: UnitOfWork, borrower_id: int, *, all_coupons: bool = False) -> Locked:
    """The borrower's book and what was last posted for it, its row locked until the unit
    of work ends (R6: writers to one borrower are serialised, so no two repayments read
    the same book)."""
    found = uow.borrowers.locked_book(borrower_id, all_coupons=all_coupons)
    if found is None:
        raise NotFound(f"no borrower {borrower_id}")
    return Locked(*found)


def create_borrower(uow: UnitOfWork, *, name: str, phone: str, credit_limit: Decimal) -> BorrowerSummary:
    name, phone = name.strip(), phone.strip()
    if not name:
        raise BadInput("name must not be empty")
    if not phone or not all(c.isdigit() or c in "+- " for c in phone):
        raise BadInput(f"phone {phone!r} must be digits, spaces, '+' or '-'")
    today = uow.business_dates.get()
    _refuse_known_phone(uow, phone)
    try:
        row = uow.borrowers.add(name=name, phone=phone, credit_limit_fen=to_fen(credit_limit), created_on=today)
        uow.commit()
    except IntegrityError:  # the same phone, added by another request at the same moment
        uow.rollback()
        _refuse_known_phone(uow, phone)
        raise
    return BorrowerSummary(row, today, credit_limit, credit_limit, Decimal("0.00"), ())


def _refuse_known_phone(uow: UnitOfWork, phone: str) -> None:
    """One phone, one borrower (issue 11): a second borrower of a phone is refused, naming
    the first. Only staff create borrowers, so only staff ever read that id."""
    other = uow.borrowers.id_of_phone(phone)
    if other is not None:
        raise Conflict(f"phone {phone} is already borrower {other}'s: one phone belongs to one borrower")


def borrower_summary(uow: UnitOfWork, borrower_id: int) -> BorrowerSummary:
    row = _borrower(uow, borrower_id)
    today = uow.business_dates.get()
    book = uow.borrowers.book(borrower_id, row=row)
    current = position(book, today, include_day=True)
    return BorrowerSummary(
        row,
        today,
        book.credit_limit,
        book.credit_limit - current.principal_outstanding(),
        current.credit_balance,
        current.loans,
    )


def disburse_loan(
    uow: UnitOfWork,
    *,
    borrower_id: int,
    product_code: str,
    principal: Decimal,
    terms: int,
    partner_share: Decimal = Decimal("0.00"),
    external_ref: str | None = None,
) -> Disbursement:
    """A drawdown on the credit line, disbursed on the business date (R4, R9, R10)."""
    today = _open_day(uow)
    locked = _locked(uow, borrower_id)
    book = locked.book
    product = uow.products.get(product_code)
    if product is None:
        raise BadInput(f"unknown product {product_code!r} (known: {', '.join(uow.products.codes())})")
    new_book, loan = operations.disburse(
        book, loan_id=PENDING_TX, product=product, principal=principal, terms=terms, on=today,
        business_date=today, partner_share=partner_share,
    )
    loan_id = uow.borrowers.add_loan(borrower_id, loan, external_ref)
    stored = new_book.renamed(PENDING_TX, str(loan_id))
    revaluation = _post(uow, borrower_id, stored, today, kind="disbursement", cash_fen=-to_fen(principal), tx_id=None,
                        posted=locked)
    uow.commit()
    state = revaluation.position.loan(str(loan_id))
    return Disbursement(loan_id, borrower_id, loan, annual_rates(product, principal, today, loan.schedule), state)


def loan_state(uow: UnitOfWork, loan_id: int) -> tuple[int, LoanPosition, date]:
    """(borrower id, the loan as of the business date, the business date): the position
    stored by the last posting, moved forward to the business date where it is older
    (rules/moved.py: every posting rewrites it, so nothing is value-dated since), else
    replayed (a position of another shape, or one the move refuses: R6, R11, R13)."""
    borrower_id, today, state = _stored_position_today(uow, loan_id)
    if state is not None:
        return borrower_id, state, today
    book = uow.borrowers.book(borrower_id)
    return borrower_id, position(book, today, include_day=True).loan(str(loan_id)), today


def _stored_position_today(uow: UnitOfWork, loan_id: int) -> tuple[int, date, LoanPosition | None]:
    """(borrower id, business date, the loan's stored position moved forward to the
    business date, or None where it must be replayed); NotFound if there is no loan."""
    found = uow.marks.position_to_move(loan_id)
    if found is None:
        raise NotFound(f"no loan {loan_id}")
    today = found.business_date
    state = None
    # a night that replays writes positions of the next day before the date moves on: those are replayed
    if found.position is not None and found.position_on is not None and found.position_on <= today:
        state = moved(found.position, found.product, found.position_on, today,
                      credit_balance=from_fen(found.credit_balance_fen), other_loans=found.other_loans)
    return found.borrower_id, today, state


def _received_at(reported: datetime | None, value_date: date, today: date, book: Book) -> datetime | None:
    """R6: a value day's facts are ordered as they happened: the time the channel
    reports, else the time received if the money is value-dated today; a late-booked
    item with no reported time has none, and comes after the day's timed facts.

    Read under the borrower's lock (``book``), so that what is booked later is received
    later: never before a fact of the day already booked (a clock that steps back gives
    the next microsecond), and what was already allocated stays as it was."""
    if reported is not None:
        return reported
    if value_date != today:
        return None
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    latest = max((tx.received_at for tx in book.transactions
                  if tx.value_date == today and tx.received_at is not None), default=None)
    if latest is not None and now <= latest:
        return latest + timedelta(microseconds=1)
    return now


def _coupon_key(coupon_id: int | None) -> str | None:
    """A stored coupon's id as the core names it (R13)."""
    return str(coupon_id) if coupon_id is not None else None


def payoff_quote(
    uow: UnitOfWork, loan_id: int, on: date | None = None, *, received_at: datetime | None = None,
    coupon_id: int | None = None,
) -> tuple[int, PayoffQuote]:
    """(borrower id, the payoff quote of ``on``, default the business date) (R8), for a
    payoff at ``received_at`` (default: after everything known of that day)."""
    borrower_id, today, stored = _stored_position_today(uow, loan_id)
    if on is not None and on > today:
        raise BadInput(f"a quote is for today ({today}) or a day before, not {on}")
    if (coupon_id is None and (on is None or on == today) and received_at is None and stored is not None
            and stored.payoff is not None):
        # R8: after everything known of today, the quote is the stored position's (a
        # loan with one is neither settled nor too young to settle)
        return borrower_id, stored.payoff
    return borrower_id, operations.quote(
        uow.borrowers.book(borrower_id, all_coupons=coupon_id is not None), str(loan_id), on or today,
        received_at=received_at,
        coupon_id=_coupon_key(coupon_id),
    )


def payoff_offer(uow: UnitOfWork, loan_id: int) -> tuple[int, operations.PayoffOffer]:
    """(borrower id, today's quote with the credit balance and what is left after it) (R8)."""
    row = uow.borrowers.loan(loan_id)
    if row is None:
        raise NotFound(f"no loan {loan_id}")
    today = uow.business_dates.get()
    return row.borrower_id, operations.payoff_offer(uow.borrowers.book(row.borrower_id), str(loan_id), today)


def borrower_bill(uow: UnitOfWork, borrower_id: int, due_date: date) -> Bill:
    """The statement for ``due_date``; for a day ahead, what falls due if nothing more is
    paid. From the stored positions where they tell it (issue 10), else replayed."""
    row = _borrower(uow, borrower_id)
    loans = _stored_positions_at_start_of(uow, borrower_id, due_date)
    if loans is not None:
        return bill_of(due_date, loans, ZERO)
    return bill(uow.borrowers.book(borrower_id, row=row), due_date)


def _stored_positions_at_start_of(uow: UnitOfWork, borrower_id: int, day: date) -> list[LoanPosition] | None:
    """The borrower's loans at the start of ``day`` (the business date or later), their
    stored positions moved forward (rules/moved.py), when nothing is value-dated from the
    oldest of them to ``day``: each posting stores every loan's position of the business
    date, so one of a day before ``day`` says that nothing of the borrower happened
    since, and the start of ``day`` is then its end. None (replay) where a position is
    of ``day`` or later (a fact of ``day`` may be in it), missing or refused by the move,
    before the business date, or with a credit balance (what a bill leaves of it is not
    in the loans' positions, R6)."""
    stored = uow.marks.positions_to_move_of_borrower(borrower_id)
    if not stored or stored[0].credit_balance_fen or day < stored[0].business_date:
        return None
    loans = []
    for found in stored:
        if (found.position is None or found.position_on is None or found.position_on >= day
                or found.position_on > found.business_date):  # a night's next morning, written before the date moved
            return None
        state = moved(found.position, found.product, found.position_on, day, other_loans=found.other_loans)
        if state is None:
            return None
        loans.append(state)
    return loans


def repay(
    uow: UnitOfWork,
    *,
    borrower_id: int,
    amount: Decimal,
    value_date: date | None = None,
    channel: str = "",
    received_at: datetime | None = None,
    coupon_id: int | None = None,
    booked_by_user_id: int | None = None,
) -> MoneyResult:
    """A borrower-level repayment, value-dated (default: the business date) (R6);
    ``received_at`` is the time the channel reports it was paid, if it does. With
    ``coupon_id`` the borrower's coupon first waives interest (R13); a coupon the core
    refuses refuses the repayment too.

    Who may set ``value_date`` is the caller's to check (the API lets only staff); the
    core refuses a value date after the business date or before the borrower's first
    loan existed. ``booked_by_user_id`` is kept on the transaction (None: service code,
    such as a payment channel's reconciliation), so a back-dated booking says who made it.
    """
    today = _open_day(uow)
    value_date = value_date or today
    locked = _locked(uow, borrower_id, all_coupons=coupon_id is not None)
    book = locked.book
    received_at = _received_at(received_at, value_date, today, book)
    new_book = operations.with_repayment(  # replayed once, by the posting below
        book, amount=amount, value_date=value_date, business_date=today, tx_id=PENDING_TX, received_at=received_at,
        coupon_id=_coupon_key(coupon_id),
    )
    tx_id = uow.borrowers.add_transaction(
        borrower_id=borrower_id, kind="repayment", loan_id=None, value_date=value_date, booked_on=today,
        amount_fen=to_fen(amount), channel=channel[:32], received_at=new_book.transactions[-1].received_at,
        coupon_id=coupon_id, booked_by_user_id=booked_by_user_id,
    )
    stored = new_book.renamed(PENDING_TX, str(tx_id))
    revaluation = _post(uow, borrower_id, stored, today, kind="repayment", cash_fen=to_fen(amount), tx_id=tx_id,
                        posted=locked)
    uow.commit()
    allocation = revaluation.position.allocation(str(tx_id))
    return MoneyResult((tx_id,), (allocation,), revaluation.position.credit_balance, today)


def pay_off(
    uow: UnitOfWork,
    *,
    borrower_id: int,
    loan_ids: list[int],
    total: Decimal,
    value_date: date | None = None,
    received_at: datetime | None = None,
    coupon_id: int | None = None,
    booked_by_user_id: int | None = None,
    use_credit: bool = False,
) -> MoneyResult:
    """Settle the chosen loans at the quotes of ``value_date`` (default: today); ``total``
    is what the borrower confirmed, and must be the sum of those quotes less a coupon's
    waiver (R8, R13). With ``use_credit`` the borrower's credit balance pays first, loan
    by loan in the order given, and ``total`` is what is left: the net amount (R8, issue
    11 item 7). A payoff learnt of late is value-dated on the day it was paid, and placed
    in that day at ``received_at`` if the channel reports it (R6)."""
    today = _open_day(uow)
    on = value_date or today
    if not loan_ids:
        raise BadInput("name at least one loan to pay off")
    if len(set(loan_ids)) != len(loan_ids):
        raise BadInput("a loan is named twice")
    locked = _locked(uow, borrower_id, all_coupons=coupon_id is not None)
    book = locked.book
    reported_at = received_at
    received_at = _received_at(received_at, on, today, book)
    for loan_id in loan_ids:
        if book.loan(str(loan_id)) is None:
            raise NotFound(f"borrower {borrower_id} has no loan {loan_id}")
    if coupon_id is not None and len(loan_ids) != 1:
        raise BadInput("a coupon is redeemed with the payoff of one loan (R13): name that loan alone")
    if coupon_id is None and not use_credit:
        # issue 10: a payoff received now, on the business date, is at the quotes of the
        # stored position of today (R8: after everything known of the day), as a quote
        # is; else one replay for every loan's quote. One more replay posts the payoffs.
        stored = [locked.stored.of(loan_id, today) for loan_id in loan_ids] if reported_at is None and on == today else []
        known = [s.payoff for s in stored if s is not None and s.payoff is not None]
        book, tx_ids = _pay_off_in_cash(uow, book, borrower_id, loan_ids, on, today, total, received_at,
                                        booked_by_user_id, known if len(known) == len(loan_ids) else None)
    else:  # R13's waiver and R8's credit used, loan by loan
        book, tx_ids = _pay_off_with_coupon_or_credit(uow, book, borrower_id, loan_ids, on, today, total,
                                                      received_at, coupon_id, use_credit, booked_by_user_id)
    revaluation = _post(uow, borrower_id, book, today, kind="payoff", cash_fen=to_fen(total), tx_id=tx_ids[0],
                        posted=locked)
    uow.commit()
    allocations = tuple(revaluation.position.allocation(str(t)) for t in tx_ids)
    return MoneyResult(tuple(tx_ids), allocations, revaluation.position.credit_balance, today)


def _pay_off_in_cash(
    uow: UnitOfWork, book: Book, borrower_id: int, loan_ids: list[int], on: date, today: date, total: Decimal,
    received_at: datetime | None, booked_by_user_id: int | None, known_quotes: list[PayoffQuote] | None,
) -> tuple[Book, list[int]]:
    """Payoffs without a coupon or credit: every quote in one replay, or none when they
    are known (R8, issue 10)."""
    pending = [f"{PENDING_TX}:{n}" for n in range(len(loan_ids))]
    book, quotes = operations.with_payoffs(
        book, loan_ids=[str(loan_id) for loan_id in loan_ids], value_date=on, business_date=today, total=total,
        tx_ids=pending, received_at=received_at, known_quotes=known_quotes,
    )
    tx_ids: list[int] = []
    for loan_id, quote, pending_id in zip(loan_ids, quotes, pending):
        kept_at = next(tx.received_at for tx in book.transactions if tx.tx_id == pending_id)  # as the core keeps it
        tx_ids.append(
            uow.borrowers.add_transaction(
                borrower_id=borrower_id, kind="payoff", loan_id=loan_id, value_date=on, booked_on=today,
                amount_fen=to_fen(quote.to_pay), channel="payoff", received_at=kept_at,
                booked_by_user_id=booked_by_user_id,
            )
        )
        book = book.renamed(pending_id, str(tx_ids[-1]))
    return book, tx_ids


def _pay_off_with_coupon_or_credit(
    uow: UnitOfWork, book: Book, borrower_id: int, loan_ids: list[int], on: date, today: date, total: Decimal,
    received_at: datetime | None, coupon_id: int | None, use_credit: bool, booked_by_user_id: int | None,
) -> tuple[Book, list[int]]:
    """R13: the quotes less a coupon's waiver; R8: with ``use_credit`` the credit balance
    pays first, loan by loan in the order given, and ``total`` is the cash left."""
    quotes = [operations.quote(book, str(loan_id), on, received_at=received_at, coupon_id=_coupon_key(coupon_id))
              for loan_id in loan_ids]
    expected = sum((q.to_pay for q in quotes), Decimal("0.00"))  # R13: the quotes less a coupon's waiver
    gross = sum((q.total for q in quotes), Decimal("0.00"))  # before the coupon, for the message
    credit_left = min(expected, _credit_balance(book, on, received_at, today)) if use_credit else Decimal("0.00")
    expected -= credit_left
    if total != expected:
        waived = gross - expected - credit_left
        with_coupon = f" less {waived} waived by the coupon" if waived else ""
        with_credit = f" ({gross}{with_coupon}, less {credit_left} of credit balance)" if use_credit else ""
        raise Conflict(
            f"total {total} is not the payoff amount {expected}{with_credit} on {on} for loan(s) "
            f"{', '.join(map(str, loan_ids))}: get a new quote and confirm again (R8)"
        )
    tx_ids = []
    for loan_id, quote in zip(loan_ids, quotes):
        credit_used = min(credit_left, quote.to_pay)
        credit_left -= credit_used
        book, _ = operations.pay_off(
            book, loan_id=str(loan_id), value_date=on, business_date=today, amount=quote.to_pay - credit_used,
            tx_id=PENDING_TX, received_at=received_at, coupon_id=_coupon_key(coupon_id), credit_used=credit_used,
        )
        tx_ids.append(
            uow.borrowers.add_transaction(
                borrower_id=borrower_id, kind="payoff", loan_id=loan_id, value_date=on, booked_on=today,
                amount_fen=to_fen(quote.to_pay - credit_used), credit_used_fen=to_fen(credit_used), channel="payoff",
                received_at=book.transactions[-1].received_at, coupon_id=coupon_id, booked_by_user_id=booked_by_user_id,
            )
        )
        book = book.renamed(PENDING_TX, str(tx_ids[-1]))
    return book, tx_ids


def _credit_balance(book: Book, on: date, received_at: datetime | None, today: date) -> Decimal:
    """The credit a payoff at ``received_at`` on ``on`` may use: what the borrower holds
    at that moment of that day (R6 order) and still today."""
    return min(operations.credit_balance_at(book, on, received_at),
               position(book, today, include_day=True).credit_balance)


def refund(uow: UnitOfWork, *, borrower_id: int, amount: Decimal, booked_by_user_id: int | None = None) -> MoneyResult:
    """Pay back credit balance to the borrower (R6)."""
    today = _open_day(uow)
    locked = _locked(uow, borrower_id)
    book = locked.book
    new_book = operations.with_refund(  # its allocation comes from the posting's replay
        book, amount=amount, value_date=today, business_date=today, tx_id=PENDING_TX,
        received_at=_received_at(None, today, today, book),
    )
    tx_id = uow.borrowers.add_transaction(
        borrower_id=borrower_id, kind="refund", loan_id=None, value_date=today, booked_on=today,
        amount_fen=to_fen(amount), channel="refund", received_at=new_book.transactions[-1].received_at,
        booked_by_user_id=booked_by_user_id,
    )
    stored = new_book.renamed(PENDING_TX, str(tx_id))
    revaluation = _post(uow, borrower_id, stored, today, kind="refund", cash_fen=-to_fen(amount), tx_id=tx_id,
                        posted=locked)
    uow.commit()
    return MoneyResult((tx_id,), (revaluation.position.allocation(str(tx_id)),), revaluation.position.credit_balance, today)



# For the other use-case modules (requests, coupons): the same opening, posting and time.
open_day = _open_day
post_change = _post
received_at_of = _received_at
