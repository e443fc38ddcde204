"""R17: the pure split of a co-funded loan between the platform and its partner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanbook.errors import InvariantBroken
from loanbook.ledger.entries import JournalEntry
from loanbook.ledger.figures import LoanFigures
from loanbook.ledger.split import PartnerFigures, partner_part_fen, platform_part, split, split_lines


def test_partner_part_is_rounded_half_up_and_the_platform_takes_the_remainder():
    # 0.70 x 0.05 yuan = 3.5 fen -> 4 fen for the partner, 1 fen for the platform
    assert partner_part_fen(Decimal("0.70"), 5) == 4
    figures = LoanFigures(principal_disbursed_fen=1_000_000, principal_paid_fen=0, interest_paid_fen=5, penalty_paid_fen=3)
    partner, platform = split(Decimal("0.70"), figures), platform_part(Decimal("0.70"), figures)
    assert (partner.principal_funded_fen, platform.principal_funded_fen) == (700_000, 300_000)
    assert (partner.interest_received_fen, platform.interest_received_fen) == (4, 1)
    assert (partner.penalty_received_fen, platform.penalty_received_fen) == (2, 1)  # 2.1 -> 2


def test_fees_are_the_platforms_alone():
    figures = LoanFigures(principal_disbursed_fen=100_000, fee_recognized_fen=3_000, fee_paid_fen=3_000)
    assert split(Decimal("0.50"), figures) == PartnerFigures(principal_funded_fen=50_000)


def test_a_share_leaving_the_platform_less_than_30_percent_is_refused():
    with pytest.raises(InvariantBroken, match="0..0.70"):
        partner_part_fen(Decimal("0.71"), 100)


@given(
    share=st.decimals(min_value=0, max_value=Decimal("0.70"), places=2),
    principal=st.integers(min_value=1, max_value=10**9),
    payments=st.lists(st.integers(min_value=0, max_value=10**6), max_size=12),
)
def test_the_split_of_cumulative_receipts_adds_up_and_leaves_no_drift(share, principal, payments):
    """Posting the change of the cumulative split, payment by payment, gives exactly the
    split of the total: the partner's parts add up, and a repaid loan leaves it nothing."""
    before = split(share, LoanFigures(principal_disbursed_fen=principal))
    paid = 0
    posted_principal = 0
    for amount in payments + [principal]:
        paid = min(principal, paid + amount)
        after = split(share, LoanFigures(principal_disbursed_fen=principal, principal_paid_fen=paid))
        lines = split_lines(1, before, after)
        JournalEntry(date(2026, 1, 1), "partner_split", tuple(lines))  # balances or raises
        posted_principal += after.principal_received_fen - before.principal_received_fen
        before = after
    assert posted_principal == split(share, LoanFigures(principal_disbursed_fen=principal)).principal_funded_fen
    assert before.principal_outstanding_fen == 0
    total = LoanFigures(principal_disbursed_fen=principal, principal_paid_fen=principal)
    assert split(share, total).principal_received_fen + platform_part(share, total).principal_received_fen == principal


def test_a_reversal_gives_the_reversing_lines():
    before = PartnerFigures(principal_funded_fen=100, principal_received_fen=50, interest_received_fen=7)
    after = PartnerFigures(principal_funded_fen=100, principal_received_fen=40, interest_received_fen=7)
    lines = split_lines(9, before, after)
    assert {(line.account.value, line.debit_fen, line.credit_fen) for line in lines} == {
        ("partner_principal", 0, 10), ("partner_cash_due", 10, 0)}
