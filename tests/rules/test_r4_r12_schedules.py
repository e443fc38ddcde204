"""R4 interest monthly / principal at maturity; R12 equal principal and equal instalment."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from words import A, D
from loanbook.errors import BadInput
from loanbook.money import ZERO, round_fen
from loanbook.rules.products import FLEX6, RepaymentMethod
from loanbook.rules.schedule import build_schedule


def test_r4_w1_plan():
    plan = build_schedule(FLEX6, A("10000.00"), 6, D("2026-01-15"))
    rows = [(i.period, i.due_date.isoformat(), i.days, str(i.interest), str(i.principal)) for i in plan]
    assert rows == [
        (1, "2026-02-10", 26, "130.00", "0.00"),
        (2, "2026-03-10", 28, "140.00", "0.00"),
        (3, "2026-04-10", 31, "155.00", "0.00"),
        (4, "2026-05-10", 30, "150.00", "0.00"),
        (5, "2026-06-10", 31, "155.00", "0.00"),
        (6, "2026-07-10", 30, "150.00", "10000.00"),
    ]
    assert sum((i.interest for i in plan), ZERO) == A("880.00")


def test_r4_each_period_is_rounded_on_its_own():
    plan = build_schedule(FLEX6, A("6251.00"), 2, D("2026-05-05"))
    # 6251 x 0.0005 x 36 = 112.518 -> 112.52; 6251 x 0.0005 x 30 = 93.765 -> 93.77 (half up)
    assert [i.interest for i in plan] == [A("112.52"), A("93.77")]


def test_r4_terms_outside_the_product_are_refused():
    with pytest.raises(BadInput, match="terms 7 is outside product FLEX6's range 1 to 6"):
        build_schedule(FLEX6, A("1000.00"), 7, D("2026-01-15"))


def test_r12_equal_principal_last_period_takes_the_remainder():
    product = dataclasses.replace(FLEX6, repayment_method=RepaymentMethod.EQUAL_PRINCIPAL)
    plan = build_schedule(product, A("10000.00"), 3, D("2026-01-15"))
    assert [i.principal for i in plan] == [A("3333.33"), A("3333.33"), A("3333.34")]
    # interest on the principal remaining in each period, by its days
    assert [i.interest for i in plan] == [A("130.00"), round_fen(A("6666.67") * A("0.0005") * 28), round_fen(A("3333.34") * A("0.0005") * 31)]


def test_r12_equal_installment_level_payment():
    product = dataclasses.replace(FLEX6, repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, max_terms=12)
    plan = build_schedule(product, A("12000.00"), 12, D("2026-01-15"))
    i = A("0.0005") * 365 / 12
    growth = (1 + i) ** 12
    payment = round_fen(A("12000.00") * i * growth / (growth - 1))
    assert all(p.principal + p.interest == payment for p in plan[:-1])
    assert sum((p.principal for p in plan), ZERO) == A("12000.00")
    remaining = A("12000.00")
    for p in plan:
        assert p.interest == round_fen(remaining * i)
        remaining -= p.principal
    assert remaining == 0
    assert abs(plan[-1].total - payment) <= A("0.12")  # the last period squares the rounding


def test_r12_zero_rate_equal_installment_is_plain_division():
    product = dataclasses.replace(FLEX6, repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, daily_rate=Decimal(0))
    plan = build_schedule(product, A("1000.00"), 3, D("2026-01-15"))
    assert [p.total for p in plan] == [A("333.33"), A("333.33"), A("333.34")]
