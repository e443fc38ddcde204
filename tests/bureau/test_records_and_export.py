"""R15 through the store: records at the reporting moments, the daily batch, pre-notices,
corrections, holds, disputes and retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bureau_helpers import borrower, loan
from words import A, D
from loanbook.bureau import record_pre_notice
from loanbook.bureau.holds import place_hold, release_hold
from loanbook.bureau.retention import expired_negative_ids, years_after
from loanbook.errors import BadInput, Conflict, RuleRefusal
from loanbook.service import bureau as service
from loanbook.service import servicing
from loanbook.service.close_of_business import close_until
from loanbook.store.bureau import BureauStore
from loanbook.store.unit_of_work import UnitOfWork


def records(engine, loan_id):
    with UnitOfWork(engine) as uow:
        return [(r.kind, r.moment, r.as_of.isoformat(), r.dpd, r.month_status, r.status_24, r.corrects_id)
                for r in BureauStore(uow.session).records_of_loan(loan_id)]


def repay(engine, borrower_id, amount, value_date):
    with UnitOfWork(engine) as uow:
        servicing.repay(uow, borrower_id=borrower_id, amount=A(amount), value_date=value_date, channel="bank")


def export(engine, day, path=None):
    return service.export_batch(engine, D(day), path)


def lines(batch):
    return [json.loads(line) for line in batch.text.splitlines()]


def test_r15_records_at_opening_due_dates_repayment_and_settlement(engine):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-02-10"))
    repay(engine, b, "130.00", D("2026-02-10"))
    close_until(engine, D("2026-03-02"))
    with UnitOfWork(engine) as uow:
        _, quote = servicing.payoff_quote(uow, a, D("2026-03-02"))
    with UnitOfWork(engine) as uow:
        servicing.pay_off(uow, borrower_id=b, loan_ids=[a], total=quote.total, value_date=D("2026-03-02"))
    close_until(engine, D("2026-03-20"))
    assert records(engine, a) == [
        ("record", 10, "2026-01-15", 0, "*", "*", None),
        ("record", 32, "2026-02-10", 0, "N", "*N", None),  # due and paid that day: one record, the due date's
        ("record", 20, "2026-03-02", 0, "C", "*NC", None),
    ]
    with UnitOfWork(engine) as uow:
        [opened, due, settled] = BureauStore(uow.session).records_of_loan(a)
        phone = uow.borrowers.get(b).phone  # the record carries the borrower's own phone
        assert (opened.balance_fen, opened.remaining_periods, opened.name, opened.phone) == (
            1_000_000, 6, "李雷", phone)
        assert (due.remaining_periods, settled.balance_fen, settled.remaining_periods) == (5, 0, 0)


def test_r15_the_export_is_json_lines_with_a_header_and_byte_identical_when_run_twice(engine, tmp_path):
    b = borrower(engine)
    loan(engine, b)
    close_until(engine, D("2026-02-11"))
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    made = export(engine, "2026-02-10", first)
    again = export(engine, "2026-02-10", second)
    assert first.read_bytes() == second.read_bytes()
    assert (made.submitted_now, again.submitted_now) == (2, 0)
    header, *body = lines(made)
    assert header["type"] == "header" and header["date"] == "2026-02-10" and header["count"] == 2 == len(body)
    for line in body:
        assert {"type", "loan_id", "moment", "dpd", "month_status", "status_24", "balance", "remaining_periods",
                "overdue_periods", "overdue_amount", "overdue_principal"} <= set(line)
    assert [line["moment"] for line in body] == [10, 32]
    assert lines(export(engine, "2026-02-10"))[1:] == body  # and nothing submitted twice
    with UnitOfWork(engine) as uow:
        assert BureauStore(uow.session).unsubmitted(D("2026-02-10")) == []


def test_r15_a_batch_is_made_only_after_its_close_of_business_and_in_date_order(engine):
    loan(engine, borrower(engine))
    close_until(engine, D("2026-01-20"))
    with pytest.raises(BadInput, match="after its close of business"):
        export(engine, "2026-01-20")
    export(engine, "2026-01-18")
    with pytest.raises(BadInput, match="date order"):
        export(engine, "2026-01-17")


@pytest.fixture
def no_automatic_pre_notice(tmp_path, monkeypatch):
    """Collections' ladder without the pre-notice on its overdue notice (R16), so that a
    loan has none until one is recorded by hand."""
    from loanbook.collections.config import DEFAULT_FILE, ENVIRONMENT

    ladder = DEFAULT_FILE.read_text(encoding="utf-8").replace("bureau_pre_notice = true", "bureau_pre_notice = false")
    path = tmp_path / "collections.toml"
    path.write_text(ladder, encoding="utf-8")
    monkeypatch.setenv(ENVIRONMENT, str(path))


def test_r15_r16_the_overdue_notice_is_the_pre_notice_and_lets_the_negative_record_go(engine):
    """With the default ladder, the first overdue day's notice (R16) is the borrower's
    pre-notice (R15 art. 15): the 10 March negative record goes out with its batch."""
    b = borrower(engine)
    loan(engine, b)
    close_until(engine, D("2026-03-11"))
    first = lines(export(engine, "2026-03-10"))
    assert [line["moment"] for line in first[1:]] == [10, 32, 32]
    assert first[-1]["dpd"] == 28 and first[-1]["status_24"] == "*11"


def test_r15_art_15_a_negative_record_waits_for_the_pre_notice(engine, no_automatic_pre_notice):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-03-11"))  # February unpaid: the 10 March record is negative
    first = lines(export(engine, "2026-03-10"))
    assert [line["moment"] for line in first[1:]] == [10, 32]  # the negative one waits
    with UnitOfWork(engine) as uow:
        record_pre_notice(uow, loan_id=a, on=D("2026-03-11"), channel="sms")
        uow.commit()
    close_until(engine, D("2026-03-12"))
    second = lines(export(engine, "2026-03-11"))
    assert [(line["moment"], line["status_24"], line["dpd"]) for line in second[1:]] == [(32, "*11", 28)]


def test_r15_the_2019_borrowers_paid_on_the_10th_learnt_later_end_clean_with_a_correction(engine):
    """The article's 2019 incident: paid on the due date, the payment learnt of days later.
    The record made meanwhile said 1; once known, a correction on file says N, and the
    string is clean."""
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-02-10"))
    repay(engine, b, "130.00", D("2026-02-10"))
    close_until(engine, D("2026-04-11"))  # March's 140.00 was paid on 10 March, but nobody knows yet
    with UnitOfWork(engine) as uow:
        record_pre_notice(uow, loan_id=a, on=D("2026-03-14"), channel="sms")
        uow.commit()
    export(engine, "2026-04-10")
    assert records(engine, a)[-1] == ("record", 32, "2026-04-10", 31, "2", "*N12", None)
    repay(engine, b, "140.00", D("2026-03-10"))  # learnt of on 11 April
    close_until(engine, D("2026-04-12"))
    history = records(engine, a)
    corrections = [r for r in history if r[0] == "correction"]
    assert corrections and all(r[5] in ("*NN", "*NNN") and r[3] == 0 for r in corrections)
    assert history[-1][0] == "correction" or history[-1][1] == 33
    batch = lines(export(engine, "2026-04-11"))
    sent = [line for line in batch[1:] if line["type"] == "correction"]
    assert sent and all(line["corrects"] is not None for line in sent)
    assert all("1" not in line["status_24"] and "2" not in line["status_24"] for line in batch[1:])


def test_r15_r17_never_negative_while_held_and_corrected_on_release(engine):
    b = borrower(engine)
    a = loan(engine, b)
    with UnitOfWork(engine) as uow:
        place_hold(uow, loan_id=a, reason="partner bank shows a repayment we lack", source="partner:B1")
        record_pre_notice(uow, loan_id=a, on=D("2026-01-15"), channel="app")
        uow.commit()
    close_until(engine, D("2026-03-11"))
    held = records(engine, a)
    assert all(r[3] == 0 and not any(ch in r[5] for ch in "1234567") for r in held)
    with UnitOfWork(engine) as uow:
        release_hold(uow, loan_id=a, source="partner:B1")
        uow.commit()
    after = records(engine, a)
    assert after[-1][0] == "correction" and after[-1][5] == "*11" and after[-1][3] == 28


def test_r15_art_25_a_dispute_has_20_days_and_is_upheld_with_a_correction_or_rejected_with_its_reason(engine):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-03-11"))
    with UnitOfWork(engine) as uow:
        disputed = BureauStore(uow.session).records_of_loan(a)[-1].id
    with UnitOfWork(engine) as uow:
        view = service.file_dispute(uow, loan_id=a, claim="I paid February on the 10th", record_id=disputed)
    assert (view.filed_on, view.deadline_on, view.status) == (D("2026-03-11"), D("2026-03-31"), "open")
    close_until(engine, D("2026-03-16"))
    with UnitOfWork(engine) as uow:
        [listed] = service.list_disputes(uow, open_only=True)
    assert (listed.age_days, listed.days_left) == (5, 15)
    with UnitOfWork(engine) as uow, pytest.raises(RuleRefusal, match="same records"):
        service.resolve_dispute(uow, dispute_id=view.id, upheld=True, reason="checked")
    repay(engine, b, "130.00", D("2026-02-10"))  # the bank's statement proves it: booked now
    with UnitOfWork(engine) as uow:
        upheld = service.resolve_dispute(uow, dispute_id=view.id, upheld=True, reason="bank statement of 10 Feb")
    assert upheld.status == "upheld" and upheld.correction_id is not None
    with UnitOfWork(engine) as uow:
        correction = BureauStore(uow.session).record(upheld.correction_id)
        assert (correction.corrects_id, correction.status_24, correction.dpd) == (disputed, "*NN", 0)
    with UnitOfWork(engine) as uow, pytest.raises(Conflict, match="already upheld"):
        service.resolve_dispute(uow, dispute_id=view.id, upheld=False, reason="x")
    with UnitOfWork(engine) as uow:
        other = service.file_dispute(uow, loan_id=a, claim="the overdue should not be there")
    with UnitOfWork(engine) as uow:
        rejected = service.resolve_dispute(uow, dispute_id=other.id, upheld=False, reason="paid on 16 Feb: late")
    assert (rejected.status, rejected.resolution, rejected.correction_id) == ("rejected", "paid on 16 Feb: late", None)


def test_r15_art_16_negative_information_goes_5_years_after_the_delinquency_ended(engine):
    b = borrower(engine)
    a = loan(engine, b)
    close_until(engine, D("2026-03-11"))
    repay(engine, b, "272.00", D("2026-03-11"))
    close_until(engine, D("2026-03-12"))
    with UnitOfWork(engine) as uow:
        store = BureauStore(uow.session)
        rows = store.records_of_loan(a)
        negative = [r.id for r in rows if r.negative and r.dpd > 0]
        cured = next(r.as_of for r in rows if r.dpd == 0 and r.as_of >= D("2026-03-11"))
        assert negative
        end = years_after(cured, 5)
        assert set(negative) - set(expired_negative_ids(store, end)) == set(negative)  # kept 5 years, to the day
        assert set(negative) <= set(expired_negative_ids(store, date(end.year, end.month, end.day + 1)))
        assert years_after(D("2024-02-29"), 5) == D("2029-02-28")
