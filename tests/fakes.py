"""A fake unit of work: the repositories services read, kept in memory as values.

Services that reach the books only through ``uow.<repository>.<method>`` can be tested
with it, without a database (fakes over mocks: it keeps real state, and answers every
read from what was written). It holds what :func:`loanbook.ledger.revaluation.revalue`
writes - journal entries, marks with their stored positions, credit balances, accrual
details - and the books themselves. It covers the reads of ``service/ledger_check.py``
and the writes of a posting; grow it with the next service that needs more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from loanbook.ledger.accounts import Account
from loanbook.ledger.entries import JournalEntry
from loanbook.ledger.revaluation import LoanMark, Revaluation, marks_after, revalue
from loanbook.ledger.split import LoanShare
from loanbook.rules.book import Book
from loanbook.rules.position import LoanPosition
from loanbook.store.repositories import CobProgress

INCOME_COLUMN = {Account.INTEREST_INCOME: 0, Account.PENALTY_INCOME: 1, Account.FEE_INCOME: 2}


class FakeBusinessDates:
    def __init__(self, today: date) -> None:
        self.today = today

    def get(self) -> date:
        return self.today


class FakeJournal:
    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []
        self.accrual_details: list[dict[str, object]] = []

    def post(self, entries: Sequence[JournalEntry]) -> None:
        self.entries.extend(entry for entry in entries if not entry.is_empty())

    def add_accrual_details(self, rows: list[dict[str, object]]) -> None:
        self.accrual_details.extend(rows)

    def _lines(self):  # noqa: ANN202
        return [(entry, line) for entry in self.entries for line in entry.lines]

    def balances(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for _, line in self._lines():
            totals[line.account.value][0] += line.debit_fen
            totals[line.account.value][1] += line.credit_fen
        return {account: (debit, credit) for account, (debit, credit) in totals.items()}

    def per_loan_lines(self) -> dict[tuple[int, str], int]:
        net: dict[tuple[int, str], int] = defaultdict(int)
        for _, line in self._lines():
            if line.loan_id is not None:
                net[(line.loan_id, line.account.value)] += line.debit_fen - line.credit_fen
        return dict(net)

    def per_loan_accruals(self) -> dict[int, tuple[int, int, int]]:
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for row in self.accrual_details:
            for column, name in enumerate(("interest_fen", "penalty_fen", "fee_fen")):
                totals[int(row["loan_id"])][column] += int(row[name])  # type: ignore[call-overload]
        return {loan_id: (i, p, f) for loan_id, (i, p, f) in totals.items()}

    def accrual_entry_totals(self):  # noqa: ANN201 - the shape of Journal.accrual_entry_totals
        details: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for row in self.accrual_details:
            key = (row["booked_on"], row["product_code"])
            for column, name in enumerate(("interest_fen", "penalty_fen", "fee_fen")):
                details[key][column] += int(row[name])  # type: ignore[call-overload]
        entries: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for entry, line in self._lines():
            if entry.kind == "accrual" and line.account in INCOME_COLUMN:
                entries[(entry.booked_on, entry.product_code)][INCOME_COLUMN[line.account]] += line.credit_fen - line.debit_fen
        as_tuples = lambda totals: {key: tuple(value) for key, value in totals.items()}  # noqa: E731
        return as_tuples(entries), as_tuples(details)

    def credit_balances_by_borrower(self) -> dict[int, int]:
        net: dict[int, int] = defaultdict(int)
        for _, line in self._lines():
            if line.account == Account.CREDIT_BALANCE:
                net[line.borrower_id] += line.credit_fen - line.debit_fen
        return dict(net)


class FakeBorrowers:
    def __init__(self) -> None:
        self.by_id: dict[int, Book] = {}

    def ids_after(self, after_id: int, limit: int) -> list[int]:
        return sorted(b for b in self.by_id if b > after_id)[:limit]

    def books(self, borrower_ids: Sequence[int]) -> dict[int, Book]:
        return {b: self.by_id[b] for b in borrower_ids if b in self.by_id}


class FakeMarks:
    def __init__(self) -> None:
        self.loans: dict[int, LoanMark] = {}
        self.positions: dict[int, tuple[date, LoanPosition]] = {}
        self.credit: dict[int, int] = {}

    def of_borrowers(self, borrower_ids: Sequence[int]) -> dict[int, LoanMark]:
        wanted = set(borrower_ids)
        return {loan_id: mark for loan_id, mark in self.loans.items() if mark.borrower_id in wanted}

    def of_loans(self, loan_ids: Sequence[int]) -> dict[int, LoanMark]:
        return {loan_id: self.loans[loan_id] for loan_id in loan_ids if loan_id in self.loans}

    def with_credit_balance(self, borrower_id: int) -> tuple[dict[int, LoanMark], int]:
        return self.of_borrowers([borrower_id]), self.credit.get(borrower_id, 0)

    def stored_positions(self, borrower_ids: Sequence[int], on: date) -> dict[int, LoanPosition]:
        return {loan_id: stored for loan_id, (day, stored) in self.positions.items()
                if day == on and self.loans[loan_id].borrower_id in borrower_ids}

    def credit_balances(self, borrower_ids: Sequence[int]) -> dict[int, int]:
        return {b: self.credit[b] for b in borrower_ids if b in self.credit}

    def set_credit_balance(self, borrower_id: int, amount_fen: int) -> None:
        self.credit[borrower_id] = amount_fen

    def put(self, rows: Iterable[dict[str, object]], existing: Mapping[int, object]) -> None:
        rows = tuple(rows)
        for values in rows:
            self.positions[int(values["loan_id"])] = (values["position_on"], values["position"])  # type: ignore[call-overload, assignment]
        self.loans.update(marks_after(rows))

    def tamper(self, loan_id: int, **changes: object) -> None:
        """Make a mark disagree with the books, as a defect would."""
        self.loans[loan_id] = replace(self.loans[loan_id], **changes)  # type: ignore[arg-type]


class FakeCobDays:
    def __init__(self) -> None:
        self.days: dict[date, CobProgress] = {}

    def progress(self, day: date) -> CobProgress | None:
        return self.days.get(day)


class FakePartners:
    def __init__(self) -> None:
        self.shares: list[LoanShare] = []

    def loan_shares(self) -> list[LoanShare]:
        return sorted(self.shares, key=lambda share: share.loan_id)


class FakeUnitOfWork:
    """In memory; rolls back nothing (nothing is shared), counts commits."""

    def __init__(self, today: date) -> None:
        self.business_dates = FakeBusinessDates(today)
        self.journal = FakeJournal()
        self.borrowers = FakeBorrowers()
        self.marks = FakeMarks()
        self.cob_days = FakeCobDays()
        self.partners = FakePartners()
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def post_book(self, borrower_id: int, book: Book, *, kind: str, cash_fen: int = 0) -> Revaluation:
        """What servicing's posting writes for a changed book, as of the business date:
        the new book, then revalue against the marks written before."""
        self.borrowers.by_id[borrower_id] = book
        marks, credit_before = self.marks.with_credit_balance(borrower_id)
        revaluation = revalue(borrower_id, book, self.business_dates.get(), marks, credit_before, kind=kind,
                              cash_fen=cash_fen)
        self.journal.post(revaluation.entries)
        self.marks.put(revaluation.marks, marks)
        self.marks.set_credit_balance(borrower_id, revaluation.credit_balance_fen)
        return revaluation
