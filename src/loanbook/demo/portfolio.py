"""A demo portfolio: a thousand borrowers and half a year of servicing, played through
the service layer exactly as the API would drive it.

Everything here calls the use cases of :mod:`loanbook.service` only (no SQL, no rules
core): borrowers are created, loans disbursed, bills read and paid, payoffs quoted and
taken, and every night is closed by close of business. What a borrower pays is read
from the engine (the statement of a day, a payoff quote), never computed here, so the
demo shows the engine's own figures.

Borrowers follow a behaviour profile:

- ``on_time``: pays each statement on the due date or within grace (R7);
- ``late``: pays 5 to 40 days late, the statement of that day with its penalty (R7);
- ``settled_early``: pays on time, and settles each loan at the exact quote on a
  random day after disbursement (R8);
- ``partial``: pays only part of each statement, so it goes overdue (R5);
- ``overpayer``: pays more than the statement; the rest is a credit balance that is
  applied on the next due date (R6), and some ask for a refund at the end;
- ``never_paid``: never pays.

Some repayments are learnt of late: paid on the due date (the value date) but booked a
few days later, after grace has ended and close of business has already marked the loan
overdue. That is the article's 2019 incident; the engine replays by value date (R6), so
once the repayment is booked the loan is back to what it would have been: no overdue,
no penalty. :class:`LateBooking` records each one, before and after.

Borrowers in hardship (R11): some late, partial or never-paying borrowers ask for a
negotiated plan once overdue, some late payers for an extension before maturity. The
demo operator records each request and the demo reviewer (another user: maker-checker)
approves most, rejects some and leaves a few extension requests undecided, which lapse
at maturity. Every borrower whose repayment was learnt of late gets the article's
compensation coupon of 100.00 (R13), redeemed with their next repayment if it comes
before the coupon expires.

Deterministic: the same seed gives the same borrowers, loans and payments.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import Engine

from loanbook.demo import bureau_day
from loanbook.demo.collections import CollectionsDesk, DeskResult
from loanbook.errors import BadInput, LoanbookError
from loanbook.service import coupons, requests, servicing
from loanbook.service.close_of_business import DayClosed, close_day
from loanbook.service.setup import init_database
from loanbook.service.users import add_user
from loanbook.store.unit_of_work import UnitOfWork

START = date(2026, 1, 1)
UNTIL = date(2026, 6, 30)
BORROWERS = 1000
SEED = 2026
DRAWDOWN_DAYS = 59  # loans are drawn from 1 January to 28 February
CREDIT_LIMIT_STEPS_YUAN = range(5_000, 50_001, 1_000)
MIN_PRINCIPAL_YUAN = 500
HUNDRED = Decimal(100)
FEN = Decimal("0.01")

PROFILES: dict[str, int] = {  # weights, in percent
    "on_time": 40,
    "late": 15,
    "settled_early": 15,
    "partial": 10,
    "overpayer": 10,
    "never_paid": 10,
}
LOANS_PER_BORROWER = {1: 55, 2: 30, 3: 15}
TERMS = {1: 10, 2: 10, 3: 25, 4: 10, 5: 5, 6: 40}
PRODUCTS = {"FLEX6": 60, "TERM6": 40}
ON_TIME_DELAY_DAYS = (0, 0, 0, 0, 0, 0, 1, 2, 3)  # the due date or within grace (R7)
LATE_DAYS = (5, 40)
LATE_BOOKED_SHARE = 0.12  # of on-time repayments: learnt of a few days after the value date
LATE_BOOKED_DELAY_DAYS = (2, 7)
PARTIAL_SHARE = (30, 80)  # percent of the statement
OVERPAY_EXTRA_YUAN = (0, 50, 100, 200, 500)
REFUND_SHARE = 0.5  # of overpayers left with only a credit balance
REFUND_DELAY_DAYS = 5
HARDSHIP_SHARE = 0.4  # of late, partial and never-paying borrowers' loans of 2 terms or more
NEGOTIATE_AFTER_DAYS = 20  # after the first due date: overdue by then
EXTEND_BEFORE_DAYS = 12  # before maturity
REVIEW_AFTER_DAYS = 2
DECISIONS = {"approve": 70, "reject": 20, "undecided": 10}  # undecided extensions lapse (R11)
COMPENSATION = Decimal("100.00")  # the 2019 incident's coupon, as the article tells (R13)
COMPENSATION_VALID_DAYS = 45
NEGOTIATION_METHODS = ("interest_first", "equal_principal", "equal_installment")

# About 500 common surnames cover most of China; these are the most frequent, weighted.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玲宇浩鹏飞欣怡子涵梓轩一诺雨桐思远"
    "嘉怡俊杰晨阳佳琪浩然雅婷志强海燕春梅晓东丹红永刚立新淑珍德华玉兰秋菊凤英宏伟亮斌颖琳倩雪婷婷"
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "175", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)


@dataclass(frozen=True, slots=True)
class PlannedLoan:
    on: date
    product_code: str
    principal: Decimal
    terms: int


@dataclass(frozen=True, slots=True)
class PlannedBorrower:
    index: int
    name: str
    phone: str
    credit_limit: Decimal
    profile: str
    loans: tuple[PlannedLoan, ...]


@dataclass(frozen=True, slots=True)
class LateBooking:
    """A repayment booked after its value date, and what the loans looked like just
    before and just after it was booked."""

    borrower_id: int
    value_date: date
    booked_on: date
    amount: Decimal
    overdue_before: int  # the borrower's loans marked OVERDUE before the booking
    overdue_after: int
    penalty_charged: Decimal  # penalty the repayment paid: zero when it was on time


@dataclass(slots=True)
class PortfolioResult:
    start: date
    until: date
    seed: int
    borrowers: int = 0
    profiles: Counter = field(default_factory=Counter)
    loans_by_product: Counter = field(default_factory=Counter)
    principal_disbursed: Decimal = Decimal("0.00")
    repayments: Counter = field(default_factory=Counter)  # by behaviour
    repaid: Decimal = Decimal("0.00")
    payoffs: int = 0
    payoff_total: Decimal = Decimal("0.00")
    payoff_fees: Decimal = Decimal("0.00")
    refunds: int = 0
    refunded: Decimal = Decimal("0.00")
    late_bookings: list[LateBooking] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # a service said no: should not happen
    days_closed: int = 0
    borrowers_closed: int = 0  # borrower-nights replayed through the rules core
    loans_in_bulk: int = 0  # loan-nights only falling due or entering grace, brought forward set-based
    service_calls: int = 0
    bureau: bureau_day.BureauDemo = field(default_factory=bureau_day.BureauDemo)  # R15
    requests: Counter = field(default_factory=Counter)  # (kind, decision) as the reviewer left them
    coupons_granted: int = 0
    coupons_redeemed: int = 0
    collections: DeskResult | None = None  # the collections desk's calls (R16)


# --- who the borrowers are -------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _principal(rng: random.Random, limit_yuan: int) -> Decimal:
    """15% to 60% of the credit line, in whole hundreds of yuan (integers: no float)."""
    hundreds = rng.randrange(limit_yuan * 15 // 10_000, limit_yuan * 60 // 10_000 + 1)
    return Decimal(hundreds * 100).quantize(FEN)


def plan_borrower(seed: int, index: int, start: date = START) -> PlannedBorrower:
    """Borrower ``index`` of the portfolio of ``seed``: who, what limit, which loans."""
    rng = random.Random(f"loanbook-demo:{seed}:{index}")
    limit = rng.choice(CREDIT_LIMIT_STEPS_YUAN)
    profile = _weighted(rng, PROFILES)
    count = _weighted(rng, LOANS_PER_BORROWER)
    days = sorted(rng.randrange(DRAWDOWN_DAYS) for _ in range(count))
    loans, left = [], limit
    for day in days:
        principal = min(_principal(rng, limit), Decimal(left))
        if principal < MIN_PRINCIPAL_YUAN:
            break
        left -= int(principal)
        loans.append(PlannedLoan(start + timedelta(days=day), _weighted(rng, PRODUCTS), principal, _weighted(rng, TERMS)))
    return PlannedBorrower(index, _name(rng), _phone(rng), Decimal(limit).quantize(FEN), profile, tuple(loans))


def plan_portfolio(borrowers: int, seed: int, start: date = START) -> list[PlannedBorrower]:
    planned = [plan_borrower(seed, i, start) for i in range(borrowers)]
    seen: set[str] = set()
    unique = []
    for borrower in planned:  # a phone number belongs to one person
        phone = borrower.phone
        while phone in seen:
            phone = phone[:3] + f"{(int(phone[3:]) + 1) % 10**8:08d}"
        seen.add(phone)
        unique.append(PlannedBorrower(borrower.index, borrower.name, phone, borrower.credit_limit, borrower.profile, borrower.loans))
    return unique


# --- the simulation ---------------------------------------------------------------------------

Action = Callable[[], None]


class _Simulation:
    """The day's actions, then close of business; actions schedule later actions."""

    def __init__(self, engine: Engine, plan: list[PlannedBorrower], result: PortfolioResult) -> None:
        self.engine = engine
        self.plan = plan
        self.result = result
        self.agenda: list[tuple[date, int, int, str, tuple]] = []  # (day, borrower index, seq, kind, args)
        self.sequence = 0
        self.borrower_ids: dict[int, int] = {}
        self.rngs = {b.index: random.Random(f"loanbook-demo-behaviour:{result.seed}:{b.index}") for b in plan}
        self.bills_planned: dict[int, set[date]] = {b.index: set() for b in plan}
        self.today = result.start
        self.coupons: dict[int, tuple[int, date]] = {}  # borrower index -> open coupon (id, expires)
        self.compensated: set[int] = set()
        with UnitOfWork(engine) as uow:
            self.operator, _ = add_user(uow, name="demo operator 王芳", role="operator")
        with UnitOfWork(engine) as uow:
            self.reviewer, _ = add_user(uow, name="demo reviewer 李强", role="reviewer")

    # agenda

    def schedule(self, day: date, borrower: PlannedBorrower, kind: str, *args: object) -> None:
        if day < self.today or day >= self.result.until:
            return  # before now, or after the demo ends
        self.sequence += 1
        heapq.heappush(self.agenda, (day, borrower.index, self.sequence, kind, (borrower, *args)))

    def run_day(self) -> None:
        while self.agenda and self.agenda[0][0] == self.today:
            _, _, _, kind, args = heapq.heappop(self.agenda)
            try:
                getattr(self, f"_{kind}")(*args)
            except LoanbookError as exc:
                self.result.refusals.append(f"{self.today} {kind} of borrower {args[0].index}: {exc}")

    def uow(self) -> UnitOfWork:
        self.result.service_calls += 1
        return UnitOfWork(self.engine)

    # what borrowers do

    def create_borrowers(self) -> None:
        for borrower in self.plan:
            with self.uow() as uow:
                summary = servicing.create_borrower(uow, name=borrower.name, phone=borrower.phone, credit_limit=borrower.credit_limit)
            self.borrower_ids[borrower.index] = summary.borrower.id
            self.result.borrowers += 1
            self.result.profiles[borrower.profile] += 1
            for loan in borrower.loans:
                self.schedule(loan.on, borrower, "disburse", loan)

    def _disburse(self, borrower: PlannedBorrower, loan: PlannedLoan) -> None:
        with self.uow() as uow:
            done = servicing.disburse_loan(
                uow, borrower_id=self.borrower_ids[borrower.index], product_code=loan.product_code,
                principal=loan.principal, terms=loan.terms,
            )
        self.result.loans_by_product[loan.product_code] += 1
        self.result.principal_disbursed += loan.principal
        due_dates = [instalment.due_date for instalment in done.loan.schedule]
        self._plan_payments(borrower, done.loan_id, loan.on, due_dates)

    def _plan_payments(self, borrower: PlannedBorrower, loan_id: int, disbursed_on: date, due_dates: list[date]) -> None:
        rng = self.rngs[borrower.index]
        profile = borrower.profile
        if profile in ("late", "partial", "never_paid") and len(due_dates) >= 2 and rng.random() < HARDSHIP_SHARE:
            self._plan_hardship(borrower, loan_id, due_dates)
        if profile == "settled_early":
            days = (due_dates[-1] - disbursed_on).days
            self.schedule(disbursed_on + timedelta(days=rng.randint(1, days - 1)), borrower, "pay_off", loan_id)
        for due in due_dates:
            if due in self.bills_planned[borrower.index]:
                continue  # a statement is the borrower's, over all loans (R6)
            self.bills_planned[borrower.index].add(due)
            if profile in ("on_time", "settled_early"):
                paid_on = due + timedelta(days=rng.choice(ON_TIME_DELAY_DAYS))
                if rng.random() < LATE_BOOKED_SHARE:
                    booked_on = paid_on + timedelta(days=rng.randint(*LATE_BOOKED_DELAY_DAYS))
                    self.schedule(booked_on, borrower, "pay_late_booked", paid_on)
                else:
                    self.schedule(paid_on, borrower, "pay_bill", "on_time")
            elif profile == "late":
                self.schedule(due + timedelta(days=rng.randint(*LATE_DAYS)), borrower, "pay_bill", "late")
            elif profile == "partial":
                self.schedule(due, borrower, "pay_bill", "partial")
            elif profile == "overpayer":
                self.schedule(due, borrower, "pay_bill", "overpaid")
                if due == due_dates[-1] and rng.random() < REFUND_SHARE:
                    self.schedule(due + timedelta(days=REFUND_DELAY_DAYS), borrower, "refund")

    def _plan_hardship(self, borrower: PlannedBorrower, loan_id: int, due_dates: list[date]) -> None:
        """R11: the operator records a request, the reviewer decides it a few days later.
        Months stay within the cumulative limit (the original term, for a short-term loan)."""
        rng = self.rngs[borrower.index]
        terms = len(due_dates)
        decision = _weighted(rng, DECISIONS)
        if borrower.profile == "late":
            asked = {"kind": requests.EXTENSION, "months": rng.randint(1, min(3, terms))}
            made_on = due_dates[-1] - timedelta(days=EXTEND_BEFORE_DAYS)
        else:
            asked = {"kind": requests.NEGOTIATION, "months": rng.randint(2, min(6, 2 * terms - 2)),
                     "method": rng.choice(NEGOTIATION_METHODS), "waive_penalty": rng.choice(("all", None))}
            made_on = due_dates[0] + timedelta(days=NEGOTIATE_AFTER_DAYS)
            decision = "approve" if decision == "undecided" else decision  # only extensions lapse
        self.schedule(made_on, borrower, "ask", loan_id, asked, decision)

    def _ask(self, borrower: PlannedBorrower, loan_id: int, asked: dict, decision: str) -> None:
        with self.uow() as uow:
            _, state, _ = servicing.loan_state(uow, loan_id)
        if state.status.value == "SETTLED":
            return
        with self.uow() as uow:
            made = requests.make_request(uow, actor=self.operator, loan_id=loan_id, reason="borrower in hardship (demo)",
                                         **asked)
        self.result.requests[(asked["kind"], "asked")] += 1
        if decision != "undecided":
            self.schedule(self.today + timedelta(days=REVIEW_AFTER_DAYS), borrower, "review", made.row.id, asked["kind"],
                          decision)

    def _review(self, borrower: PlannedBorrower, request_id: int, kind: str, decision: str) -> None:
        with self.uow() as uow:
            if requests.get_request(uow, actor=self.reviewer, request_id=request_id).row.status != requests.PENDING:
                return
        with self.uow() as uow:
            requests.decide(uow, actor=self.reviewer, request_id=request_id, approve=decision == "approve",
                            reason="reviewed (demo)" if decision == "approve" else "income does not support it (demo)")
        self.result.requests[(kind, decision)] += 1

    def _compensate(self, borrower: PlannedBorrower, reason: str) -> None:
        """The article's 2019 incident: a 100.00 coupon for the borrower whose repayment was booked late (R13)."""
        if borrower.index in self.compensated:
            return
        self.compensated.add(borrower.index)
        expires = self.today + timedelta(days=COMPENSATION_VALID_DAYS)
        with self.uow() as uow:
            granted = coupons.grant_coupon(uow, actor=self.operator, borrower_id=self.borrower_ids[borrower.index],
                                           amount=COMPENSATION, expires_on=expires, reason=reason)
        self.coupons[borrower.index] = (granted.coupon_id, expires)
        self.result.coupons_granted += 1

    def _coupon_for(self, borrower: PlannedBorrower, value_date: date) -> int | None:
        """The borrower's open coupon, if still valid on ``value_date`` (used once)."""
        coupon = self.coupons.get(borrower.index)
        if coupon is None or coupon[1] < value_date:
            return None
        del self.coupons[borrower.index]
        self.result.coupons_redeemed += 1
        return coupon[0]

    def _statement(self, uow: UnitOfWork, borrower: PlannedBorrower, on: date) -> Decimal:
        """What the borrower owes on ``on``, from the engine: the statement of that day.
        Read in the unit of work the repayment that pays it then uses (one transaction
        for the two, as a borrower's app would read the bill and pay it)."""
        return servicing.borrower_bill(uow, self.borrower_ids[borrower.index], on).total

    def _repay(self, uow: UnitOfWork, borrower: PlannedBorrower, amount: Decimal, behaviour: str,
               value_date: date | None = None, channel: str = "demo") -> servicing.MoneyResult:
        coupon_id = self._coupon_for(borrower, value_date or self.today)
        done = servicing.repay(uow, borrower_id=self.borrower_ids[borrower.index], amount=amount,
                               value_date=value_date, channel=channel, coupon_id=coupon_id)
        self.result.repayments[behaviour] += 1
        self.result.repaid += amount
        return done

    def _pay_bill(self, borrower: PlannedBorrower, behaviour: str) -> None:
        with self.uow() as uow:
            self._pay_statement(uow, borrower, behaviour)

    def _pay_statement(self, uow: UnitOfWork, borrower: PlannedBorrower, behaviour: str) -> None:
        owed = self._statement(uow, borrower, self.today)
        if owed <= 0:
            return  # paid already, by a credit balance or an earlier repayment
        rng = self.rngs[borrower.index]
        if behaviour == "partial":
            amount = (owed * Decimal(rng.randint(*PARTIAL_SHARE)) / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP)
        elif behaviour == "overpaid":
            rounded_up = (owed / HUNDRED).quantize(Decimal(1), rounding=ROUND_CEILING) * HUNDRED
            amount = (rounded_up + rng.choice(OVERPAY_EXTRA_YUAN)).quantize(FEN)
            if amount == owed:
                amount += HUNDRED
        else:
            amount = owed
        if amount > 0:
            self._repay(uow, borrower, amount, behaviour)

    def _pay_late_booked(self, borrower: PlannedBorrower, paid_on: date) -> None:
        """Paid on ``paid_on``, learnt of today: booked with its value date (R6)."""
        borrower_id = self.borrower_ids[borrower.index]
        with self.uow() as uow:  # the statement, the loans before, the booking: one transaction
            owed = self._statement(uow, borrower, paid_on)
            if owed <= 0:
                return
            before = servicing.borrower_summary(uow, borrower_id)
            done = self._repay(uow, borrower, owed, "late_booked", value_date=paid_on, channel="late-booked")
        with self.uow() as uow:
            after = servicing.borrower_summary(uow, borrower_id)
        penalty = sum((line.penalty for allocation in done.allocations for line in allocation.lines), Decimal("0.00"))
        self.result.late_bookings.append(
            LateBooking(borrower_id, paid_on, self.today, owed,
                        sum(1 for loan in before.loans if loan.status.value == "OVERDUE"),
                        sum(1 for loan in after.loans if loan.status.value == "OVERDUE"), penalty)
        )
        self._compensate(borrower, f"2019 incident: the repayment of {paid_on} was booked on {self.today}")

    def _pay_off(self, borrower: PlannedBorrower, loan_id: int) -> None:
        with self.uow() as uow:  # the state, the quote and the payoff at it: one transaction
            _, state, _ = servicing.loan_state(uow, loan_id)
            if state.status.value == "SETTLED":
                return
            _, quote = servicing.payoff_quote(uow, loan_id)
            servicing.pay_off(uow, borrower_id=self.borrower_ids[borrower.index], loan_ids=[loan_id], total=quote.total)
        self.result.payoffs += 1
        self.result.payoff_total += quote.total
        self.result.payoff_fees += quote.fee

    def _refund(self, borrower: PlannedBorrower) -> None:
        borrower_id = self.borrower_ids[borrower.index]
        with self.uow() as uow:  # the balance read and refunded in one transaction
            summary = servicing.borrower_summary(uow, borrower_id)
            if summary.credit_balance <= 0 or any(loan.status.value != "SETTLED" for loan in summary.loans):
                return
            servicing.refund(uow, borrower_id=borrower_id, amount=summary.credit_balance)
        self.result.refunds += 1
        self.result.refunded += summary.credit_balance


def run_portfolio(
    engine: Engine,
    *,
    borrowers: int = BORROWERS,
    seed: int = SEED,
    until: date = UNTIL,
    start: date = START,
    on_day: Callable[[DayClosed, PortfolioResult], None] | None = None,
    on_chunk: Callable[[date, int], None] | None = None,
) -> PortfolioResult:
    """Initialise ``engine`` (an empty database) on ``start``, create the portfolio and
    play it day by day, closing each day, until the business date is ``until``."""
    if until <= start:
        raise BadInput(f"--until {until} must be after the first business date {start}")
    init_database(engine, business_date=start)
    result = PortfolioResult(start=start, until=until, seed=seed)
    simulation = _Simulation(engine, plan_portfolio(borrowers, seed, start), result)
    simulation.create_borrowers()
    desk = CollectionsDesk(engine, seed)  # collections (R16): works each day's worklist
    result.collections = desk.result
    while simulation.today < until:
        desk.work_day(simulation.today)  # in the morning, before the day's payments
        simulation.run_day()
        closed = close_day(engine, on_chunk=on_chunk)
        bureau_day.after_close(engine, closed.closed, result.bureau)  # R15: notices, holds, the day's batch
        simulation.today = closed.business_date
        result.days_closed += 1
        result.borrowers_closed += closed.borrowers_closed
        result.loans_in_bulk += closed.loans_in_bulk
        if on_day is not None:
            on_day(closed, result)
    return result
