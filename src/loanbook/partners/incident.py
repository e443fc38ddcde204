"""``loanbook demo --incident-2019``: the article's incident replayed, and shown impossible.

A portfolio co-funded 70/30 with a partner bank; every borrower repays in full on the due
date, the 10th. Part-way through the day the relay to the bank fails, for a day: the
repayments booked after that reach the bank only on the 11th, so the bank's daily file for
the 10th shows those borrowers unpaid. The bank alone would have reported them overdue
(the 2019 incident). The platform reconciles the file, finds each difference as a break,
holds those loans from negative reporting, the relay recovers, the next file agrees, the
breaks are resolved and the holds released (with corrections of any record that was
wrong). The bank is the real ``loanbook partner-bank serve`` process, with its own
database; everything on the platform goes through the services and close of business.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from loanbook.errors import Unavailable
from loanbook.partners.bank_simulator.books import BankMessageRow  # noqa: F401 - the bank's schema, for readers
from loanbook.service import partner_reconcile, partner_relay, servicing
from loanbook.service.close_of_business import close_until
from loanbook.service.ledger_check import check_ledger
from loanbook.service.partners_admin import add_partner, list_breaks
from loanbook.service.setup import init_database
from loanbook.store.database import open_database
from loanbook.store.unit_of_work import UnitOfWork

BANK_START_SECONDS = 30  # the simulator is a local process: a slow start on a busy machine, not a hang

DISBURSED = date(2026, 1, 10)
DUE = date(2026, 2, 10)
SHARE = Decimal("0.70")
CLOSED_PORT_URL = "http://127.0.0.1:9"  # the relay's failure: nothing answers (discard port)


@dataclass(slots=True)
class IncidentResult:
    borrowers: int
    paid_on_time: int
    relay_failed_for: int
    negative_records_about_them: int
    bank_alone_negative_records_about_them: int
    breaks_found: int
    breaks_resolved: int
    holds_placed: int
    corrections_sent: int
    ledger_check: str
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_bank(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "loanbook.cli.main", "partner-bank", "serve", "--port", str(port),
         "--database", f"sqlite:///{folder / 'bank.sqlite3'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import socket

    deadline = time.monotonic() + BANK_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise Unavailable(f"the partner bank simulator did not answer on port {port} within {BANK_START_SECONDS} s")


def _bank_file(url: str, day: date) -> list[tuple[int, int, int]]:
    import urllib.request

    with urllib.request.urlopen(f"{url}/v1/files/{day.isoformat()}", timeout=10) as response:  # noqa: S310 - loopback
        return partner_reconcile.parse_file(response.read().decode())


def replay(borrowers: int = 40, affected_share: float = 0.5) -> IncidentResult:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="loanbook-incident-") as folder_name:
        folder = Path(folder_name)
        platform_url = f"sqlite:///{folder / 'platform.sqlite3'}"
        engine = open_database(platform_url, create=True)
        init_database(engine, business_date=DISBURSED)
        bank, bank_url = _start_bank(folder)
        try:
            add_partner(engine, code="BANK", name="partner bank", base_url=bank_url, delay_days=1)
            loans = _disburse(engine, borrowers)
            partner_relay.relay(engine, "BANK", bank_url, budget_seconds=10)
            close_until(engine, DUE)
            cut = borrowers - int(borrowers * affected_share)
            for borrower_id, loan_id in loans[:cut]:  # the morning: the relay works
                _repay_due(engine, borrower_id, loan_id)
            partner_relay.relay(engine, "BANK", bank_url, budget_seconds=10)
            for borrower_id, loan_id in loans[cut:]:  # then the relay fails, for a day
                _repay_due(engine, borrower_id, loan_id)
            partner_relay.relay(engine, "BANK", CLOSED_PORT_URL, budget_seconds=0.2, timeout_seconds=0.2)
            file_10th = _bank_file(bank_url, DUE)  # the bank's file for the 10th: those unpaid
            close_until(engine, date(2026, 2, 11))
            found = partner_reconcile.reconcile(engine, partner_code="BANK", file_date=DUE, lines=file_10th)
            with UnitOfWork(engine) as uow:
                holds = sum(1 for _, loan_id in loans if partner_reconcile.loan_is_held(uow, loan_id))
            partner_relay.relay(engine, "BANK", bank_url, budget_seconds=10)  # the 11th: it recovers
            close_until(engine, date(2026, 2, 12))
            partner_reconcile.reconcile(engine, partner_code="BANK", file_date=date(2026, 2, 11),
                                        lines=_bank_file(bank_url, date(2026, 2, 11)))
            close_until(engine, date(2026, 2, 20))  # past the grace period: who would be overdue is
        finally:
            bank.terminate()
            bank.wait(timeout=10)
        loan_ids = [loan_id for _, loan_id in loans]
        bank_alone = _bank_alone_negative(file_10th, loan_ids)
        with UnitOfWork(engine) as uow:
            negative = len({record.loan_id for record in uow.bureau.records_of_loans(loan_ids) if record.negative})
            corrections = uow.bureau.counts().get("corrections", 0)
        resolved = list_breaks(engine, state="resolved")
        report = check_ledger(engine)
        engine.dispose()
        return IncidentResult(
            borrowers=borrowers, paid_on_time=borrowers, relay_failed_for=borrowers - cut,
            negative_records_about_them=int(negative or 0), bank_alone_negative_records_about_them=bank_alone,
            breaks_found=found.breaks_found, breaks_resolved=len(resolved), holds_placed=holds,
            corrections_sent=int(corrections or 0), ledger_check="passed" if report.ok else "failed",
            seconds=round(time.perf_counter() - started, 1),
        )


def _disburse(engine, borrowers: int) -> list[tuple[int, int]]:  # noqa: ANN001
    loans = []
    for n in range(borrowers):
        with UnitOfWork(engine) as uow:
            borrower_id = servicing.create_borrower(uow, name=f"借款人{n + 1:03d}", phone=f"1380000{n:04d}",
                                                    credit_limit=Decimal("20000.00")).borrower.id
        with UnitOfWork(engine) as uow:
            loan_id = servicing.disburse_loan(uow, borrower_id=borrower_id, product_code="FLEX6",
                                              principal=Decimal(1000 + 100 * (n % 20)), terms=1,
                                              partner_share=SHARE).loan_id
        loans.append((borrower_id, loan_id))
    return loans


def _repay_due(engine, borrower_id: int, loan_id: int) -> None:  # noqa: ANN001
    with UnitOfWork(engine) as uow:
        due = servicing.loan_state(uow, loan_id)[1].amount_due
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=due, value_date=DUE, channel="app")


def _bank_alone_negative(file_lines: list[tuple[int, int, int]], loan_ids: list[int]) -> int:
    """What the bank, reporting alone from its own books, would have sent: every loan its
    file of the due date shows not repaid in full is reported overdue (a due-date record,
    R15 moment 32) - each one a borrower who in fact paid on time."""
    by_loan = {loan_id: principal for loan_id, principal, _ in file_lines}
    return sum(1 for loan_id in loan_ids if by_loan.get(loan_id, 0) == 0)
