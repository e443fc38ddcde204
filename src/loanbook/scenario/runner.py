"""Playing a scenario through the servicing engine (SCENARIOS.md).

The runner keeps its own business date: it walks the days on which events are booked
and checkpoints are taken, in order. On each day it books that day's loans and events
through a :class:`Servicing` port, then looks: a checkpoint sees the state at the start
of the day, knowing only what was booked before it, and every loan disbursed by that
day (SCENARIOS.md: "A loan appears from its disbursement day on"). The port is the
engine: the pure core here (:class:`CoreServicing`); the same runner can drive the
stored service.

Events of one value day happen in file order (SCENARIOS.md), whenever each is booked:
the runner gives each event a time of receipt on its value day from its place in the
file (:func:`event_time`), which the engine orders that day's facts by (R6).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol

from loanbook.errors import LoanbookError
from loanbook.rules import operations
from loanbook.rules.book import Book
from loanbook.rules.bureau_status import status_strings
from loanbook.rules.position import Position
from loanbook.rules.replay import position
from loanbook.scenario.expectations import Failure, compare_checkpoint
from loanbook.scenario.model import Event, LoanSpec, Scenario, ScenarioFileError


class Servicing(Protocol):
    """What a scenario needs of the engine; every call may raise a LoanbookError, and a
    refused call changes nothing (SCENARIOS.md)."""

    def disburse(self, spec: LoanSpec, business_date: date) -> None: ...

    def repay(
        self, amount: Decimal, value_date: date, business_date: date, received_at: datetime,
        coupon_id: str | None = None,
    ) -> None:
        """R6; with ``coupon_id`` the coupon is redeemed first (R13)."""
        ...

    def pay_off(
        self, loan_id: str, value_date: date, business_date: date, received_at: datetime,
        coupon_id: str | None = None,
    ) -> None:
        """R8 at the quote of its moment, less a coupon's waiver (R13)."""
        ...

    def grant_coupon(self, coupon_id: str, amount: Decimal, expires_on: date, business_date: date) -> None:
        """R13: granted on the business date."""
        ...

    def extension(
        self, loan_id: str, months: int, approve: bool, business_date: date, received_at: datetime
    ) -> None:
        """R11: an extension requested on the business date and decided the same day, by
        a reviewer other than the maker; a rejection changes nothing."""
        ...

    def negotiation(
        self, loan_id: str, method: str, months: int, waive_penalty: Decimal | str, approve: bool,
        business_date: date, received_at: datetime,
    ) -> None:
        """R11: a negotiated plan (``waive_penalty`` "all" or an amount) requested on the
        business date and decided the same day; a rejection changes nothing."""
        ...

    def position(self, on: date) -> Position:
        """The state at the start of ``on`` (R5), knowing only what was booked before
        it, with every loan disbursed by ``on``; called after that day's bookings."""
        ...


class CoreServicing:
    """The pure rules core over one in-memory book."""

    def __init__(self, credit_limit: Decimal) -> None:
        self.book = Book(credit_limit)

    def disburse(self, spec: LoanSpec, business_date: date) -> None:
        self.book, _ = operations.disburse(
            self.book,
            loan_id=spec.loan_id,
            product=spec.product,
            principal=spec.principal,
            terms=spec.terms,
            on=spec.disbursed_on,
            business_date=business_date,
            partner_share=spec.partner_share,
        )

    def repay(
        self, amount: Decimal, value_date: date, business_date: date, received_at: datetime,
        coupon_id: str | None = None,
    ) -> None:
        self.book, _ = operations.repay(
            self.book, amount=amount, value_date=value_date, business_date=business_date, received_at=received_at,
            coupon_id=coupon_id,
        )

    def pay_off(
        self, loan_id: str, value_date: date, business_date: date, received_at: datetime,
        coupon_id: str | None = None,
    ) -> None:
        self.book, _ = operations.pay_off(
            self.book, loan_id=loan_id, value_date=value_date, business_date=business_date, received_at=received_at,
            coupon_id=coupon_id,
        )

    def grant_coupon(self, coupon_id: str, amount: Decimal, expires_on: date, business_date: date) -> None:
        self.book, _ = operations.grant_coupon(
            self.book, coupon_id=coupon_id, amount=amount, expires_on=expires_on, business_date=business_date
        )

    def extension(self, loan_id: str, months: int, approve: bool, business_date: date, received_at: datetime) -> None:
        if not approve:  # R11: a request is checked when made; rejected, it changes nothing
            operations.preview_extension(self.book, loan_id=loan_id, months=months, on=business_date,
                                         received_at=received_at)
            return
        self.book, _ = operations.extend(
            self.book, loan_id=loan_id, months=months, business_date=business_date, received_at=received_at
        )

    def negotiation(
        self, loan_id: str, method: str, months: int, waive_penalty: Decimal | str, approve: bool,
        business_date: date, received_at: datetime,
    ) -> None:
        if not approve:  # R11: a request is checked when made; rejected, it changes nothing
            operations.preview_negotiation(self.book, loan_id=loan_id, method=method, months=months,
                                           waive_penalty=waive_penalty, on=business_date, received_at=received_at)
            return
        self.book, _ = operations.negotiate(
            self.book, loan_id=loan_id, method=method, months=months, waive_penalty=waive_penalty,
            business_date=business_date, received_at=received_at,
        )

    def position(self, on: date) -> Position:
        return with_bureau_status(self.book.known_before(on), on)


def with_bureau_status(book: Book, on: date) -> Position:
    """The position at the start of ``on`` with each loan's bureau status string (R15),
    both from what ``book`` holds."""
    current = position(book, on)
    strings = status_strings(book, on)
    loans = tuple(dataclasses.replace(loan, bureau_status=strings.get(loan.loan_id)) for loan in current.loans)
    return dataclasses.replace(current, loans=loans)


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    checkpoints: list[Position] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def event_time(event: Event) -> datetime:
    """SCENARIOS.md: events of one value day happen in file order. Event n happens n
    microseconds into its value day (a file never has a day's worth of them): a time of
    receipt that keeps that order whatever day each event is booked on (R6)."""
    return datetime.combine(event.value_date, time()) + timedelta(microseconds=event.number)


def _book(engine: Servicing, event: Event) -> None:
    at = event_time(event) if event.number else None
    coupon = {"coupon_id": event.coupon_id} if event.coupon_id is not None else {}  # R13, only where redeemed
    if event.action == "repay":
        engine.repay(event.amount, event.value_date, event.booked_on, at, **coupon)
    elif event.action == "payoff":
        engine.pay_off(event.loan_id, event.value_date, event.booked_on, at, **coupon)
    elif event.action == "coupon":
        engine.grant_coupon(event.grant.coupon_id, event.grant.amount, event.grant.expires_on, event.booked_on)
    elif event.action == "extension":
        engine.extension(event.loan_id, event.months, event.approve, event.booked_on, at)
    elif event.action == "negotiate":
        engine.negotiation(event.loan_id, event.method.value, event.months, event.waive_penalty, event.approve,
                           event.booked_on, at)
    else:
        engine.disburse(event.draw, event.booked_on)


def _bookings(scenario: Scenario) -> list[tuple[date, Event]]:
    """Everything to book, in booking order: initial loans on their disbursement day
    first, then events by booking day, value day and file order."""
    loans = [
        (spec.disbursed_on, (0, spec.disbursed_on, n), Event(0, spec.disbursed_on, spec.disbursed_on, "draw", draw=spec))
        for n, spec in enumerate(scenario.loans)
    ]
    events = [(e.booked_on, (1, e.value_date, e.number), e) for e in scenario.events]
    return [(day, event) for day, _, event in sorted(loans + events, key=lambda item: (item[0], item[1]))]


def play(scenario: Scenario, engine: Servicing | None = None) -> ScenarioResult:
    """Play ``scenario``; raise ScenarioFileError if an event is refused unexpectedly."""
    engine = engine or CoreServicing(scenario.credit_limit)
    result = ScenarioResult(scenario)
    bookings = _bookings(scenario)
    days = sorted(set(scenario.checkpoints) | {day for day, _ in bookings})
    queue = iter(bookings)
    pending = next(queue, None)
    for day in days:
        while pending is not None and pending[0] == day:
            _book_checked(engine, pending[1], scenario, result)
            pending = next(queue, None)
        if day in scenario.checkpoints:  # the start of the day, with the day's new loans
            result.checkpoints.append(engine.position(day))
    result.failures.extend(compare(scenario, result.checkpoints))
    return result


def _book_checked(engine: Servicing, event: Event, scenario: Scenario, result: ScenarioResult) -> None:
    what = event.describe() if event.number else f"loan {event.draw.loan_id} (disbursed {event.value_date})"
    try:
        _book(engine, event)
    except LoanbookError as exc:
        if event.expect_error is None:
            raise ScenarioFileError(f"{scenario.path}: {what} was refused: {exc}") from None
        if event.expect_error.lower() not in str(exc).lower():
            result.failures.append(Failure(event.value_date, event.loan_id, f"{what} refusal", event.expect_error, str(exc)))
        return
    if event.expect_error is not None:
        result.failures.append(Failure(event.value_date, event.loan_id, f"{what} refusal", event.expect_error, "accepted"))


def compare(scenario: Scenario, checkpoints: list[Position]) -> list[Failure]:
    failures = []
    for checkpoint in checkpoints:
        expected = scenario.expect.get(checkpoint.on)
        if expected:
            failures.extend(compare_checkpoint(checkpoint, expected))
    return failures
