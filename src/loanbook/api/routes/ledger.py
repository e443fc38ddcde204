"""The ledger: trial balance and the check against the rules core (R14). Admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from loanbook.api.deps import ADMIN_ONLY, EngineDep, UowDep, User, allowed
from loanbook.api.routes import router
from loanbook.api.schemas import LedgerCheckPublic, TrialBalancePublic
from loanbook.service.ledger_check import check_ledger, trial_balance

routes = router("/v1/ledger", "ledger")
Admin = Annotated[User, Depends(allowed(ADMIN_ONLY))]


@routes.get("/trial-balance", response_model=TrialBalancePublic)
def get_trial_balance(_user: Admin, uow: UowDep) -> TrialBalancePublic:
    """Total debits and credits over the whole journal, and each account's balance."""
    return TrialBalancePublic.of(*trial_balance(uow))


@routes.get("/check", response_model=LedgerCheckPublic)
def get_ledger_check(_user: Admin, engine: EngineDep) -> LedgerCheckPublic:
    """Debits equal credits, and per loan the ledger agrees with the rules core (R14)."""
    return LedgerCheckPublic.of(check_ledger(engine))
