"""Positions as plain JSON-ready values: the shape of a scenario checkpoint (SCENARIOS.md
"Output"), shared by the scenario runner, the calculators and the API."""

from __future__ import annotations

from datetime import date

from loanbook.money import format_amount
from loanbook.rules.position import InstalmentPosition, LoanPosition, PayoffQuote
from loanbook.rules.schedule import Instalment


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def instalment_view(instalment: InstalmentPosition) -> dict[str, object]:
    view: dict[str, object] = {
        "period": instalment.period,
        "due_date": instalment.due_date.isoformat(),
        "principal": format_amount(instalment.principal),
        "interest": format_amount(instalment.interest),
        "fee": format_amount(instalment.fee),
        "paid_principal": format_amount(instalment.paid_principal),
        "paid_interest": format_amount(instalment.paid_interest),
        "paid_penalty": format_amount(instalment.paid_penalty),
        "paid_fee": format_amount(instalment.paid_fee),
        "coupon_waived": format_amount(instalment.coupon_waived),
    }
    if instalment.carried_interest is not None and instalment.carried_penalty is not None:  # R11: negotiated period 1
        view["carried_interest"] = format_amount(instalment.carried_interest)
        view["carried_penalty"] = format_amount(instalment.carried_penalty)
    return view


def loan_view(loan: LoanPosition) -> dict[str, object]:
    """Every field of a checkpoint's loan, amounts as 2-decimal strings."""
    view: dict[str, object] = {
        "status": loan.status.value,
        "dpd": loan.dpd,
        "principal_outstanding": format_amount(loan.principal_outstanding),
        "principal_due": format_amount(loan.principal_due),
        "interest_due": format_amount(loan.interest_due),
        "penalty_due": format_amount(loan.penalty_due),
        "payoff_total": format_amount(loan.payoff.total) if loan.payoff is not None else None,
        "principal_paid": format_amount(loan.principal_paid),
        "interest_paid": format_amount(loan.interest_paid),
        "penalty_paid": format_amount(loan.penalty_paid),
        "fee_paid": format_amount(loan.fee_paid),
        "coupon_waived": format_amount(loan.coupon_waived),
        "total_paid": format_amount(loan.total_paid),
        "settled_on": _day(loan.settled_on),
        "schedule": [instalment_view(i) for i in loan.schedule],
    }
    if loan.bureau_status is not None:  # R15: scenario checkpoints
        view["bureau_status"] = loan.bureau_status
    return view


def quote_view(quote: PayoffQuote) -> dict[str, object]:
    return {
        "loan_id": quote.loan_id,
        "date": quote.on.isoformat(),
        "principal": format_amount(quote.principal),
        "interest": format_amount(quote.interest),
        "penalty": format_amount(quote.penalty),
        "fee": format_amount(quote.fee),
        "total": format_amount(quote.total),
    }


def plan_view(schedule: tuple[Instalment, ...]) -> list[dict[str, object]]:
    return [
        {
            "period": i.period,
            "due_date": i.due_date.isoformat(),
            "days": i.days,
            "interest": format_amount(i.interest),
            "principal": format_amount(i.principal),
            "total": format_amount(i.total),
        }
        for i in schedule
    ]

