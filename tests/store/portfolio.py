"""A small deterministic portfolio made through the services, for the store tests."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine

from loanbook.errors import LoanbookError
from loanbook.service import servicing
from loanbook.service.close_of_business import close_day
from loanbook.store.unit_of_work import UnitOfWork


def seed_portfolio(engine: Engine, *, borrowers: int, days: int, seed: int = 7) -> None:
    """``borrowers`` borrowers drawing loans over the first days, paying on time, late,
    partly, too much or never, while close of business runs for ``days`` days."""
    rng = random.Random(seed)
    with UnitOfWork(engine) as uow:
        ids = [
            servicing.create_borrower(uow, name=f"borrower {n}", phone=f"1380000{n:04d}", credit_limit=Decimal("30000.00")).borrower.id
            for n in range(borrowers)
        ]
    habits = {b: rng.choice(["on_time", "late", "partial", "over", "never"]) for b in ids}
    draw_day = {b: rng.randrange(0, 20) for b in ids}
    for day in range(days):
        with UnitOfWork(engine) as uow:
            today = uow.business_dates.get()
        for b in ids:
            if day == draw_day[b]:
                with UnitOfWork(engine) as uow:
                    servicing.disburse_loan(
                        uow, borrower_id=b, product_code=rng.choice(["FLEX6", "TERM6"]),
                        principal=Decimal(rng.randrange(1000, 20000)), terms=rng.randrange(1, 7),
                    )
            elif day > draw_day[b] and today.day in (10, 12, 20) and habits[b] != "never":
                _pay(engine, b, habits[b], today, rng)
        close_day(engine)


def _pay(engine: Engine, borrower_id: int, habit: str, today, rng: random.Random) -> None:  # noqa: ANN001
    with UnitOfWork(engine) as uow:
        due = servicing.borrower_bill(uow, borrower_id, today).total
    if due == 0 and habit != "over":
        return
    amount = {"on_time": due, "late": due, "partial": (due / 2).quantize(Decimal("0.01")), "over": due + 50}[habit]
    if habit == "late" and today.day != 20:
        return
    value_date = today - timedelta(days=rng.randrange(0, 3)) if habit == "on_time" else today
    try:
        with UnitOfWork(engine) as uow:
            servicing.repay(uow, borrower_id=borrower_id, amount=amount or Decimal("1.00"), value_date=value_date)
    except LoanbookError:
        pass  # e.g. a value date before the loan: the borrower simply did not pay then
