"""Reading and checking a scenario file (SCENARIOS.md "Input").

Everything wrong with a file is reported as :class:`ScenarioFileError` naming the file,
the event (its number and day) and the reason, before anything is played.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from loanbook.config.exact_yaml import key_names, read_config_file
from loanbook.config.products import resolve_product
from loanbook.errors import BadInput
from loanbook.money import ZERO, parse_amount
from loanbook.rules.book import PENALTY_WAIVER_ALL
from loanbook.rules.products import Product, RepaymentMethod

DEFAULT_CREDIT_LIMIT = Decimal("200000.00")
SUPPORTED_ACTIONS = ("repay", "payoff", "draw", "coupon", "extension", "negotiate")
OWN_DAY_ACTIONS = {  # booked on their own day
    "draw": "drawdown", "coupon": "coupon grant", "extension": "extension", "negotiate": "negotiated plan",
}
DECISIONS = {"approve": True, "reject": False}
COUPON_KEYS = {"id", "amount", "expires"}
EXTENSION_KEYS = {"loan", "months", "decision"}
NEGOTIATE_KEYS = {"loan", "method", "months", "waive_penalty", "decision"}
EVENT_KEYS = {"date", "booked_on", "expect_error"} | set(SUPPORTED_ACTIONS)
TOP_KEYS = {"name", "product", "credit_limit", "loans", "events", "checkpoints", "expect"}
LOAN_KEYS = {"id", "principal", "terms", "disbursed_on", "product", "partner_share"}
LOAN_FIELDS = (
    "status",
    "dpd",
    "principal_outstanding",
    "principal_due",
    "interest_due",
    "penalty_due",
    "payoff_total",
    "principal_paid",
    "interest_paid",
    "penalty_paid",
    "fee_paid",
    "coupon_waived",
    "total_paid",
    "settled_on",
    "bureau_status",  # R15
    "schedule",
)


class ScenarioFileError(BadInput):
    """A scenario file that breaks the format or asks for something the rules forbid."""


@dataclass(frozen=True, slots=True)
class LoanSpec:
    loan_id: str
    principal: Decimal
    terms: int
    disbursed_on: date
    product: Product
    partner_share: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class CouponSpec:
    """A coupon granted on the event's day (R13)."""

    coupon_id: str
    amount: Decimal
    expires_on: date


@dataclass(frozen=True, slots=True)
class Event:
    number: int  # 1-based position in the file, for messages
    value_date: date
    booked_on: date
    action: str  # one of SUPPORTED_ACTIONS
    amount: Decimal | None = None
    loan_id: str | None = None
    draw: LoanSpec | None = None
    expect_error: str | None = None
    coupon_id: str | None = None  # R13: the coupon a repay or payoff redeems
    grant: CouponSpec | None = None  # R13: a coupon event
    months: int | None = None  # R11: extension and negotiate
    method: RepaymentMethod | None = None  # R11: negotiate
    waive_penalty: Decimal | str = ZERO  # R11: negotiate, "all" or an amount
    approve: bool = True  # R11: the reviewer's decision

    def describe(self) -> str:
        target = {
            "repay": str(self.amount),
            "payoff": self.loan_id,
            "draw": self.draw and self.draw.loan_id,
            "coupon": self.grant and self.grant.coupon_id,
            "extension": self.loan_id,
            "negotiate": self.loan_id,
        }
        with_coupon = f" with coupon {self.coupon_id}" if self.coupon_id else ""
        return f"event {self.number} ({self.value_date} {self.action} {target[self.action]}{with_coupon})"


@dataclass(frozen=True, slots=True)
class Scenario:
    path: Path
    name: str
    credit_limit: Decimal
    loans: tuple[LoanSpec, ...]
    events: tuple[Event, ...]
    checkpoints: tuple[date, ...]
    expect: dict[date, dict[str, object]] = field(default_factory=dict)


def _date(value: object, what: str) -> date:
    if isinstance(value, datetime):
        raise BadInput(f"{what} {value.isoformat(sep=' ')!r} is a date and time; write the day only, YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadInput(f"{what} {value!r} is not a date written YYYY-MM-DD")


def _loan(raw: object, default_product: Product, base: Path, what: str) -> LoanSpec:
    if not isinstance(raw, dict):
        raise BadInput(f"{what} must be a mapping with id, principal, terms, disbursed_on")
    unknown = set(raw) - LOAN_KEYS
    if unknown:
        raise BadInput(f"{what}: unknown key(s) {key_names(unknown)}; known: {', '.join(sorted(LOAN_KEYS))}")
    for key in ("id", "principal", "terms", "disbursed_on"):
        if key not in raw:
            raise BadInput(f"{what} needs '{key}'")
    loan_id = raw["id"]
    if not isinstance(loan_id, (str, int)) or isinstance(loan_id, bool) or str(loan_id) == "":
        raise BadInput(f"{what}: id must be a name like A")
    terms = raw["terms"]
    if isinstance(terms, bool) or not isinstance(terms, int):
        raise BadInput(f"{what} {loan_id}: terms must be a whole number, got {terms!r}")
    product = resolve_product(str(raw["product"]), relative_to=base) if "product" in raw else default_product
    share = ZERO
    if "partner_share" in raw:
        share = parse_amount(raw["partner_share"], what=f"{what} {loan_id} partner_share", allow_zero=True)
    return LoanSpec(
        loan_id=str(loan_id),
        principal=parse_amount(raw["principal"], what=f"{what} {loan_id} principal"),
        terms=terms,
        disbursed_on=_date(raw.get("disbursed_on"), f"{what} {loan_id} disbursed_on"),
        product=product,
        partner_share=share,
    )


def _event(number: int, raw: object, default_product: Product, base: Path) -> Event:
    what = f"event {number}"
    if not isinstance(raw, dict):
        raise BadInput(f"{what} must be a mapping like {{date: 2026-02-14, repay: \"130.00\"}}")
    if "on" in raw or True in raw:
        raise BadInput(f"{what}: the event's day is 'date', not 'on' (YAML reads a bare on as true)")
    unknown = set(raw) - EVENT_KEYS
    if unknown:
        raise BadInput(f"{what}: unknown key(s) {key_names(unknown)}; known: {', '.join(sorted(EVENT_KEYS))}")
    if "date" not in raw:
        raise BadInput(f"{what} needs a 'date'")
    value_date = _date(raw["date"], f"{what} date")
    what = f"event {number} ({value_date})"
    actions = [k for k in SUPPORTED_ACTIONS if k in raw]
    redeems = "coupon" in raw and ("repay" in raw or "payoff" in raw)  # R13: a coupon redeemed with it
    if redeems:
        actions.remove("coupon")
    if not actions:
        raise BadInput(f"{what} needs one action: {', '.join(SUPPORTED_ACTIONS)}")
    if len(actions) > 1:
        raise BadInput(f"{what} has several actions ({', '.join(actions)}); write one event each")
    action = actions[0]
    booked_on = _date(raw["booked_on"], f"{what} booked_on") if "booked_on" in raw else value_date
    if booked_on < value_date:
        raise BadInput(f"{what}: booked_on {booked_on} is before its date: money is learnt of on or after it is paid")
    if booked_on != value_date and action in OWN_DAY_ACTIONS:
        article = "an" if OWN_DAY_ACTIONS[action][0] in "aeiou" else "a"
        raise BadInput(
            f"{what}: {article} {OWN_DAY_ACTIONS[action]} is booked on its own day; "
            "booked_on is for repayments and payoffs"
        )
    expect_error = raw.get("expect_error")
    if expect_error is not None and (not isinstance(expect_error, str) or not expect_error.strip()):
        raise BadInput(f"{what}: expect_error must be the text the refusal should contain")
    event = Event(number, value_date, booked_on, action, expect_error=expect_error)
    if redeems:
        event = replace(event, coupon_id=_name(raw["coupon"], f"{what} coupon", "coupon: C1"))
    if action == "repay":
        return replace(event, amount=parse_amount(raw["repay"], what=f"{what} repay amount"))
    if action == "payoff":
        return replace(event, loan_id=_name(raw["payoff"], f"{what} payoff", "payoff: A"))
    if action == "coupon":
        return replace(event, grant=_coupon_grant(raw["coupon"], what))
    if action == "extension":
        fields = _request(raw["extension"], EXTENSION_KEYS, f"{what} extension")
        return replace(event, loan_id=fields["loan"], months=fields["months"], approve=fields["decision"])
    if action == "negotiate":
        fields = _request(raw["negotiate"], NEGOTIATE_KEYS, f"{what} negotiate")
        return replace(event, loan_id=fields["loan"], months=fields["months"], approve=fields["decision"],
                       method=fields["method"], waive_penalty=fields["waive_penalty"])
    draw = raw["draw"]
    if isinstance(draw, dict) and "disbursed_on" in draw:
        raise BadInput(f"{what}: a drawdown is disbursed on the event's date; remove disbursed_on")
    if isinstance(draw, dict):
        draw = {**draw, "disbursed_on": value_date}
    return replace(event, draw=_loan(draw, default_product, base, f"{what} draw"))


def _name(value: object, what: str, example: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise BadInput(f"{what} names one id, like {example}")
    return str(value)


def _mapping(raw: object, keys: set[str], required: set[str], what: str, example: str) -> dict:
    if not isinstance(raw, dict):
        raise BadInput(f"{what} must be a mapping like {example}")
    unknown = set(raw) - keys
    if unknown:
        raise BadInput(f"{what}: unknown key(s) {key_names(unknown)}; known: {', '.join(sorted(keys))}")
    missing = sorted(required - set(raw))
    if missing:
        raise BadInput(f"{what} needs {', '.join(missing)}")
    return raw


def _coupon_grant(raw: object, what: str) -> CouponSpec:
    """R13: ``coupon: {id: C1, amount: "100.00", expires: 2026-03-31}``."""
    example = '{id: C1, amount: "100.00", expires: 2026-03-31}'
    fields = _mapping(raw, COUPON_KEYS, COUPON_KEYS, f"{what} coupon", example)
    return CouponSpec(
        coupon_id=_name(fields["id"], f"{what} coupon id", "id: C1"),
        amount=parse_amount(fields["amount"], what=f"{what} coupon amount"),
        expires_on=_date(fields["expires"], f"{what} coupon expires"),
    )


def _request(raw: object, keys: set[str], what: str) -> dict[str, object]:
    """R11: an extension or negotiate request with its decision."""
    example = "{loan: A, months: 3, decision: approve}"
    required = {"loan", "months", "decision"} | ({"method"} if "method" in keys else set())
    fields = _mapping(raw, keys, required, what, example)
    months = fields["months"]
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise BadInput(f"{what}: months must be a whole number of at least 1, got {months!r}")
    decision = fields["decision"]
    if decision not in DECISIONS:
        raise BadInput(f"{what}: decision must be approve or reject, got {decision!r}")
    result: dict[str, object] = {"loan": _name(fields["loan"], f"{what} loan", "loan: A"), "months": months,
                                 "decision": DECISIONS[decision]}
    if "method" in keys:
        try:
            result["method"] = RepaymentMethod(fields["method"])
        except ValueError:
            known = ", ".join(m.value for m in RepaymentMethod)
            raise BadInput(f"{what}: method must be one of {known}, got {fields['method']!r}") from None
        waiver = fields.get("waive_penalty", ZERO)
        if waiver != PENALTY_WAIVER_ALL and waiver != ZERO:
            waiver = parse_amount(waiver, what=f"{what} waive_penalty", allow_zero=True)
        result["waive_penalty"] = waiver
    return result


def _expectations(raw: object, loan_ids: set[str]) -> dict[date, dict[str, object]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadInput("expect must map checkpoint dates to expected values")
    expect: dict[date, dict[str, object]] = {}
    for key, values in raw.items():
        day = _date(key, "expect date")
        if not isinstance(values, dict):
            raise BadInput(f"expect {day} must map credit_balance and loan ids to values")
        for name, fields in values.items():
            if name == "credit_balance":
                continue
            if str(name) not in loan_ids:
                raise BadInput(f"expect {day} names unknown loan {name!r} (loans: {', '.join(sorted(loan_ids))})")
            if not isinstance(fields, dict):
                raise BadInput(f"expect {day} {name} must map fields to values")
            unknown = set(fields) - set(LOAN_FIELDS)
            if unknown:
                raise BadInput(f"expect {day} {name}: unknown field(s) {key_names(unknown)}; known: {', '.join(LOAN_FIELDS)}")
        expect[day] = {str(k): v for k, v in values.items()}
    return expect


def parse_scenario(document: object, path: Path) -> Scenario:
    try:
        return _parse(document, path)
    except ScenarioFileError:
        raise
    except BadInput as exc:
        raise ScenarioFileError(f"{path}: {exc}") from None


def _parse(document: object, path: Path) -> Scenario:
    if not isinstance(document, dict):
        raise BadInput("a scenario is a mapping with loans, events and checkpoints")
    unknown = set(document) - TOP_KEYS
    if unknown:
        raise BadInput(f"unknown top-level key(s) {key_names(unknown)}; known: {', '.join(sorted(TOP_KEYS))}")
    base = path.parent
    product = resolve_product(str(document.get("product", "FLEX6")), relative_to=base)
    limit = parse_amount(document.get("credit_limit", DEFAULT_CREDIT_LIMIT), what="credit_limit")
    raw_loans = document.get("loans") or []
    if not isinstance(raw_loans, list):
        raise BadInput("loans must be a list")
    loans = tuple(_loan(raw, product, base, f"loan {n}") for n, raw in enumerate(raw_loans, 1))
    raw_events = document.get("events") or []
    if not isinstance(raw_events, list):
        raise BadInput("events must be a list")
    events = tuple(_event(n, raw, product, base) for n, raw in enumerate(raw_events, 1))
    ids = [loan.loan_id for loan in loans] + [e.draw.loan_id for e in events if e.draw is not None]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise BadInput(f"loan id(s) {', '.join(repeated)} used more than once")
    disbursed = {loan.loan_id: loan.disbursed_on for loan in loans}
    disbursed.update({e.draw.loan_id: e.value_date for e in events if e.draw is not None})
    for event in events:
        if event.loan_id is not None and event.loan_id not in ids:
            raise BadInput(f"{event.describe()} names unknown loan {event.loan_id!r} (loans: {', '.join(ids) or 'none'})")
        if event.loan_id is not None and event.value_date < disbursed[event.loan_id]:
            raise BadInput(
                f"{event.describe()}: loan {event.loan_id} does not exist yet on {event.value_date} "
                f"(disbursed {disbursed[event.loan_id]})"
            )
    raw_checkpoints = document.get("checkpoints") or []
    if not isinstance(raw_checkpoints, list):
        raise BadInput("checkpoints must be a list of dates")
    expect = _expectations(document.get("expect"), set(ids))
    checkpoints = {_date(c, "checkpoint") for c in raw_checkpoints} | set(expect)
    if not checkpoints:
        raise BadInput("a scenario needs at least one checkpoint: the days on which to look")
    name = document.get("name") or path.stem
    return Scenario(path, str(name), limit, loans, events, tuple(sorted(checkpoints)), expect)


def load_scenario(path: Path) -> Scenario:
    try:
        document = read_config_file(path)
    except BadInput as exc:
        raise ScenarioFileError(str(exc)) from None
    return parse_scenario(document, path)
