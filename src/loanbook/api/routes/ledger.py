"""The ledger: trial balance and the check against the rules core (R14). Admin only."""

from __future__ import annotations

from loanbook.api.deps import ADMIN_ONLY, CurrentUser, EngineDep, UowDep, allow
from loanbook.api.routes import router
from loanbook.api.schemas import LedgerCheckPublic, TrialBalancePublic
from loanbook.service.ledger_check import check_ledger, trial_balance

routes = router("/v1/ledger", "ledger")


@routes.get("/trial-balance", response_model=TrialBalancePublic)
def get_trial_balance(user: CurrentUser, uow: UowDep) -> TrialBalancePublic:
    """Total debits and credits over the whole journal, and each account's balance."""
    allow(user, ADMIN_ONLY)
    return TrialBalancePublic.of(*trial_balance(uow))


@routes.get("/check", response_model=LedgerCheckPublic)
def get_ledger_check(user: CurrentUser, engine: EngineDep) -> LedgerCheckPublic:
    """Debits equal credits, and per loan the ledger agrees with the rules core (R14)."""
    allow(user, ADMIN_ONLY)
    return LedgerCheckPublic.of(check_ledger(engine))
