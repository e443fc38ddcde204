"""The split check of ``loanbook ledger check`` (R17): per co-funded loan, the partner's
accounts equal its share of what the loan received, its principal share is the one
fixed at disbursement, and the platform's part and the partner's add up to the loan.

The loan's figures are the cached marks, which the per-loan check proves equal to a
fresh replay through the rules core; so the split is proven against the core too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loanbook.ledger.accounts import Account
from loanbook.ledger.figures import LoanFigures
from loanbook.ledger.revaluation import LoanMark
from loanbook.ledger.split import PLATFORM_SHARE_MIN, LoanShare, platform_part, split


def split_problems(
    links: Sequence[LoanShare], marks: Mapping[int, LoanMark], lines: Mapping[tuple[int, str], int]
) -> tuple[int, list[str]]:
    """(co-funded loans checked, problems), pure. ``marks``: the co-funded loans' marks;
    ``lines``: net debits less credits per (loan, account)."""
    problems: list[str] = []
    for link in links:
        share = link.share
        mark = marks.get(link.loan_id)
        figures = mark.figures if mark is not None else LoanFigures()
        partner, platform = split(share, figures), platform_part(share, figures)

        def net(account: Account) -> int:
            return lines.get((link.loan_id, account.value), 0)

        found = {
            "partner principal outstanding": (partner.principal_outstanding_fen, -net(Account.PARTNER_PRINCIPAL)),
            "partner income": (partner.income_received_fen, net(Account.PARTNER_INCOME)),
            "cash due to partner": (partner.principal_received_fen + partner.income_received_fen, -net(Account.PARTNER_CASH_DUE)),
            "partner principal share fixed at disbursement": (partner.principal_funded_fen, link.principal_share_fen),
        }
        wrong = {name: pair for name, pair in found.items() if pair[0] != pair[1]}
        adds_up = all(
            getattr(partner, name) + getattr(platform, name) == total
            for name, total in (("principal_funded_fen", figures.principal_disbursed_fen),
                                ("principal_received_fen", figures.principal_paid_fen),
                                ("interest_received_fen", figures.interest_paid_fen),
                                ("penalty_received_fen", figures.penalty_paid_fen))
        )
        if not adds_up:
            problems.append(f"loan {link.loan_id}: the platform's and the partner's parts do not add up to the loan")
        if figures.principal_disbursed_fen and platform.principal_funded_fen * 100 < PLATFORM_SHARE_MIN * 100 * figures.principal_disbursed_fen:
            problems.append(f"loan {link.loan_id}: the platform funds less than 30% of it (R17)")
        if wrong:
            detail = ", ".join(f"{name} split {a} ledger {b}" for name, (a, b) in wrong.items())
            problems.append(f"loan {link.loan_id} ({link.partner_code} {link.share}): {detail} (fen)")
    return len(links), problems
