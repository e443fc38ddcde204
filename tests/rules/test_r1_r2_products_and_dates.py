"""R1 products and R2 dates."""

from __future__ import annotations

from datetime import date, timedelta

from words import A, D
from loanbook.config.products import products_from_document
from loanbook.rules.calendar import days_between, due_date
from loanbook.rules.products import FLEX6, PRESETS, TERM6, RepaymentMethod, validate_product


def test_r1_presets_reproduce_the_article():
    for product in (FLEX6, TERM6):
        assert product.daily_rate == A("0.0005")
        assert product.penalty_daily_rate == A("0.00075")
        assert (product.due_day, product.grace_days, product.min_terms, product.max_terms) == (10, 3, 1, 6)
        assert product.repayment_method is RepaymentMethod.INTEREST_FIRST
        assert product.settlement_after_days == 1
        assert validate_product(product) is product
    assert FLEX6.early_settlement_fee_rate == 0
    assert TERM6.early_settlement_fee_rate == A("0.03")
    assert set(PRESETS) == {"FLEX6", "TERM6"}


def test_r1_a_lender_product_from_a_base_changes_only_what_it_says():
    (product,) = products_from_document(
        {"code": "FLEX12", "base": "FLEX6", "terms": [3, 12], "daily_rate": A("0.0004"), "due_day": 15},
        source="test",
    )
    assert (product.min_terms, product.max_terms, product.due_day) == (3, 12, 15)
    assert product.daily_rate == A("0.0004")
    assert product.grace_days == 3 and product.penalty_multiplier == A("1.5")
    assert product.name == "FLEX12"


def test_r1_rates_in_files_stay_exact_decimals():
    (product,) = products_from_document(
        {
            "code": "OWN",
            "daily_rate": A("0.00033"),
            "penalty_multiplier": A("1.5"),
            "due_day": 1,
            "grace_days": 0,
            "min_terms": 1,
            "max_terms": 24,
            "repayment_method": "equal_installment",
            "early_settlement_fee_rate": "0.01",
        },
        source="test",
    )
    assert product.daily_rate == A("0.00033")
    assert product.penalty_daily_rate == A("0.000495")


def test_r2_every_day_of_january_falls_due_on_10_february():
    for day in range(1, 32):
        disbursed = date(2026, 1, day)
        assert due_date(disbursed, 1, due_day=10) == D("2026-02-10")
        assert 10 <= days_between(disbursed, D("2026-02-10")) <= 40


def test_r2_due_dates_cross_the_year_and_never_shift_for_weekends():
    assert due_date(D("2026-12-31"), 1, due_day=10) == D("2027-01-10")
    assert due_date(D("2026-11-05"), 6, due_day=10) == D("2027-05-10")
    sunday = D("2026-05-10")
    assert sunday.weekday() == 6 and due_date(D("2026-04-01"), 1, due_day=10) == sunday


def test_r2_interest_days_count_the_start_not_the_end():
    assert days_between(D("2026-01-15"), D("2026-02-10")) == 26
    assert days_between(D("2026-05-05"), D("2026-05-05") + timedelta(days=1)) == 1
