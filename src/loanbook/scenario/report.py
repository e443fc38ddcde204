"""A played scenario as JSON (SCENARIOS.md "Output") or as readable tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from loanbook.money import format_amount
from loanbook.scenario.runner import ScenarioResult
from loanbook.views import loan_view

TABLE_FIELDS = (
    ("status", "status"),
    ("dpd", "DPD"),
    ("principal_outstanding", "principal out"),
    ("principal_due", "principal due"),
    ("interest_due", "interest due"),
    ("penalty_due", "penalty due"),
    ("payoff_total", "payoff"),
    ("total_paid", "paid"),
    ("coupon_waived", "coupon"),  # R13: waived, not cash
    ("settled_on", "settled"),
)


def result_json(result: ScenarioResult) -> dict[str, object]:
    return {
        "name": result.scenario.name,
        "file": str(result.scenario.path),
        "checkpoints": [
            {
                "on": checkpoint.on.isoformat(),
                "credit_balance": format_amount(checkpoint.credit_balance),
                "loans": {loan.loan_id: loan_view(loan) for loan in checkpoint.loans},
            }
            for checkpoint in result.checkpoints
        ],
        "failures": [
            {
                "checkpoint": f.checkpoint.isoformat(),
                "loan": f.loan,
                "field": f.field,
                "expected": f.expected,
                "actual": f.actual,
            }
            for f in result.failures
        ],
    }


def print_result(console: Console, result: ScenarioResult) -> None:
    verdict = "[green]passed[/]" if not result.failures else f"[red]{len(result.failures)} failure(s)[/]"
    if not result.scenario.expect:
        verdict = "[dim]no expectations[/]"
    console.print(f"[bold]{result.scenario.name}[/]  [dim]{result.scenario.path}[/]  {verdict}")
    for checkpoint in result.checkpoints:
        table = Table(title=f"{checkpoint.on}  credit balance {format_amount(checkpoint.credit_balance)}", title_justify="left")
        table.add_column("loan")
        for _, header in TABLE_FIELDS:
            table.add_column(header, justify="right")
        for loan in checkpoint.loans:
            view = loan_view(loan)
            table.add_row(loan.loan_id, *[_cell(view[key]) for key, _ in TABLE_FIELDS])
        console.print(table)
    for f in result.failures:
        where = f"{f.loan}." if f.loan else ""
        console.print(f"  [red]FAIL[/] {f.checkpoint} {where}{f.field}: expected {f.expected!r}, got {f.actual!r}")


def _cell(value: object) -> str:
    return "-" if value is None else str(value)
