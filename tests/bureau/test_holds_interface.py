"""The bureau holds interface the partner-bank work drives (R15, R17)."""

from __future__ import annotations

import pytest

from bureau_helpers import borrower, loan
from loanbook.bureau.holds import is_held, place_hold, release_hold
from loanbook.errors import BadInput, NotFound
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork


def test_r15_a_hold_is_placed_and_released_by_its_source(engine):
    a = loan(engine, borrower(engine))
    with UnitOfWork(engine) as uow:
        hold_id = place_hold(uow, loan_id=a, reason="repayments disagree with the partner bank", source="partner:BANK1")
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert is_held(uow, a)
        with pytest.raises(BadInput, match="no open hold"):
            release_hold(uow, loan_id=a, source="someone else")
        release_hold(uow, loan_id=a, source="partner:BANK1")
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert not is_held(uow, a)
        [hold] = BureauStore(uow.session).holds()
        assert (hold.id, hold.source, hold.released_on is not None) == (hold_id, "partner:BANK1", True)


def test_r15_a_hold_needs_a_loan_and_a_reason(engine):
    a = loan(engine, borrower(engine))
    with UnitOfWork(engine) as uow:
        with pytest.raises(NotFound):
            place_hold(uow, loan_id=a + 100, reason="x", source="partner")
        with pytest.raises(BadInput, match="reason"):
            place_hold(uow, loan_id=a, reason=" ", source="partner")
