"""The split of a co-funded loan between the platform and its partner bank (R17), pure.

Each party's principal share is fixed at disbursement. Principal, interest and penalty
received are split by that share: the partner's part is rounded half-up to the fen (R3)
and the platform takes the remainder; fees and coupons are the platform's alone.

The split is taken of the *cumulative* amounts received, and each posting is the change
of that split: so the partner's parts always add up to exactly its share of what was
received (never a fen of drift from rounding payment by payment), a fully repaid loan
leaves the partner's share of principal at zero, and a late-booked repayment that
changes what was received earlier moves the split with it (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from loanbook.errors import InvariantBroken
from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import Line, signed
from loanbook.ledger.figures import LoanFigures

PLATFORM_SHARE_MIN = Decimal("0.30")  # R17: the platform keeps at least 30%


def partner_part_fen(share: Decimal, amount_fen: int) -> int:
    """The partner's part of ``amount_fen``: share x amount, rounded half-up to the fen."""
    if not Decimal("0") <= share <= Decimal("1") - PLATFORM_SHARE_MIN:
        raise InvariantBroken(f"partner share {share} is outside 0..0.70 (R17)")
    return int((share * amount_fen).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class LoanShare:
    """A co-funded loan's partner and share, fixed at disbursement (a ``loan_partners`` row, as a value)."""

    loan_id: int
    partner_code: str
    share: Decimal  # a ratio, not money
    principal_share_fen: int


@dataclass(frozen=True, slots=True)
class PartnerFigures:
    """The partner's cumulative part of a loan (fen)."""

    principal_funded_fen: int = 0
    principal_received_fen: int = 0
    interest_received_fen: int = 0
    penalty_received_fen: int = 0

    @property
    def income_received_fen(self) -> int:
        return self.interest_received_fen + self.penalty_received_fen

    @property
    def principal_outstanding_fen(self) -> int:
        return self.principal_funded_fen - self.principal_received_fen


def split(share: Decimal, figures: LoanFigures) -> PartnerFigures:
    """The partner's part of a loan's cumulative figures."""
    return PartnerFigures(
        principal_funded_fen=partner_part_fen(share, figures.principal_disbursed_fen),
        principal_received_fen=partner_part_fen(share, figures.principal_paid_fen),
        interest_received_fen=partner_part_fen(share, figures.interest_paid_fen),
        penalty_received_fen=partner_part_fen(share, figures.penalty_paid_fen),
    )


def platform_part(share: Decimal, figures: LoanFigures) -> PartnerFigures:
    """The platform's part: what the partner does not take, so the two add up exactly."""
    partner = split(share, figures)
    return PartnerFigures(
        principal_funded_fen=figures.principal_disbursed_fen - partner.principal_funded_fen,
        principal_received_fen=figures.principal_paid_fen - partner.principal_received_fen,
        interest_received_fen=figures.interest_paid_fen - partner.interest_received_fen,
        penalty_received_fen=figures.penalty_paid_fen - partner.penalty_received_fen,
    )


def split_lines(loan_id: int, before: PartnerFigures, after: PartnerFigures) -> list[Line]:
    """Journal lines moving the partner's part from ``before`` to ``after``:
    - its funding of its share: cash in, against its share of principal;
    - principal received: its share of principal falls, the cash is due to it;
    - interest and penalty received: passed on as its income, the cash due to it.
    A negative change (a late-booked fact undoing a receipt) gives the reversing lines."""
    funded = after.principal_funded_fen - before.principal_funded_fen
    principal = after.principal_received_fen - before.principal_received_fen
    income = after.income_received_fen - before.income_received_fen
    candidates = (
        signed(Account.CASH, funded, debit=True, loan_id=loan_id),
        signed(Account.PARTNER_PRINCIPAL, funded, debit=False, loan_id=loan_id),
        signed(Account.PARTNER_PRINCIPAL, principal, debit=True, loan_id=loan_id),
        signed(Account.PARTNER_CASH_DUE, principal, debit=False, loan_id=loan_id),
        signed(Account.PARTNER_INCOME, income, debit=True, loan_id=loan_id),
        signed(Account.PARTNER_CASH_DUE, income, debit=False, loan_id=loan_id),
    )
    return [line for line in candidates if line is not None]
