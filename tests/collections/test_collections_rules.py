"""R16 as pure functions: the ladder's defaults, the guards (22:00-08:00, 3 connected calls,
third parties) and the templates that may never be sent (the article's threats)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from loanbook.collections.config import DEFAULT_FILE, active_config, config_from_mapping, load_config
from loanbook.collections.guards import CALLS_PER_DAY, QUIET_HOURS, THIRD_PARTY, check_contact, same_phone
from loanbook.collections.ladder import LoanSituation
from loanbook.collections.templates import check_template, forbidden_claim
from loanbook.config.exact_yaml import parse_exact_toml
from loanbook.errors import BadInput

DUE = date(2026, 2, 10)
CONFIG = active_config()
LADDER, GUARDS = CONFIG.ladder, CONFIG.guards
PHONE = "+86 138 0013 8000"
SHANGHAI = timezone(timedelta(hours=8))


def loan(status="ACTIVE", dpd=0, owed="10130.00", amount_due="130.00", due_dates=(DUE,)) -> LoanSituation:
    return LoanSituation(loan_id=1, status=status, dpd=dpd, grace_days=3, amount_due=Decimal(amount_due),
                         owed=Decimal(owed), due_dates=frozenset(due_dates))


def action(situation: LoanSituation, day: date) -> str | None:
    step = LADDER.action_for(situation, day)
    return step.action if step else None


# --- the ladder (R16 defaults) ---------------------------------------------------------

def test_r16_reminder_three_days_before_and_on_the_due_date():
    assert action(loan(), DUE - timedelta(days=3)) == "reminder_before_due"
    assert action(loan(), DUE - timedelta(days=2)) is None
    assert action(loan(), DUE) == "reminder_due_today"


def test_r16_no_due_date_reminder_once_paid_on_the_day():
    assert action(loan(amount_due="0.00"), DUE) is None


def test_r16_daily_reminder_in_grace_never_an_overdue_notice():
    for offset in (1, 2, 3):
        assert action(loan(status="GRACE"), DUE + timedelta(days=offset)) == "grace_reminder"


def test_r16_overdue_notice_on_the_first_overdue_day_carries_the_bureau_pre_notice():
    step = LADDER.action_for(loan(status="OVERDUE", dpd=4), DUE + timedelta(days=4))
    assert step is not None and step.action == "overdue_notice" and step.bureau_pre_notice
    assert action(loan(status="OVERDUE", dpd=5), DUE + timedelta(days=5)) is None  # once, not daily


def test_r16_phone_follow_up_from_7_dpd_escalation_at_31():
    for dpd, expected in ((6, None), (7, "phone_follow_up"), (30, "phone_follow_up"), (31, "escalation")):
        assert action(loan(status="OVERDUE", dpd=dpd), DUE + timedelta(days=dpd)) == expected


def test_r16_legal_review_over_90_dpd_only_when_more_than_5000_is_owed():
    later = DUE + timedelta(days=95)
    assert action(loan(status="OVERDUE", dpd=90, owed="9000.00"), later) == "escalation"
    assert action(loan(status="OVERDUE", dpd=91, owed="9000.00"), later) == "legal_review"
    assert action(loan(status="OVERDUE", dpd=91, owed="5000.00"), later) == "escalation"  # not over 5,000.00
    assert action(loan(status="OVERDUE", dpd=91, owed="5000.01"), later) == "legal_review"


def test_r16_a_settled_loan_gets_nothing():
    assert action(loan(status="SETTLED"), DUE) is None


def test_r16_the_strongest_step_wins_one_action_a_loan_a_day():
    # overdue at 40 DPD with another instalment due in 3 days: escalation, not a reminder
    situation = loan(status="OVERDUE", dpd=40, due_dates=(DUE, DUE + timedelta(days=3)))
    assert action(situation, DUE) == "escalation"
    # overdue at 5 DPD (no step of its own) with the next instalment due today: reminded of it
    assert action(loan(status="OVERDUE", dpd=5), DUE) == "reminder_due_today"


# --- the guards ------------------------------------------------------------------------

def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 2, 14, hour, minute, tzinfo=SHANGHAI)


def refusal(to=PHONE, when=None, outcome="connected", channel="call", calls=0):
    result = check_contact(GUARDS, channel=channel, to=to, at=when or at(10), outcome=outcome, borrower_phone=PHONE,
                           connected_calls_that_day=calls)
    return result.reason if result else None


def test_r16_third_parties_are_never_contacted():
    assert refusal(to="+86 139 0000 0000") == THIRD_PARTY == "third party"
    assert refusal(to="138-0013-8000") is None and refusal(to="13800138000") is None  # the borrower's own
    assert same_phone("+8613800138000", "138 0013 8000") and not same_phone("", "")


def test_r16_no_contact_between_22_00_and_08_00_lender_time():
    assert QUIET_HOURS == "22:00-08:00"
    assert refusal(when=at(22, 0)) == "22:00-08:00"
    assert refusal(when=at(7, 59), channel="sms") == "22:00-08:00"
    assert refusal(when=at(8, 0)) is None and refusal(when=at(21, 59)) is None
    # 13:30 UTC is 21:30 in Shanghai (allowed); 14:30 UTC is 22:30 (refused)
    assert refusal(when=datetime(2026, 2, 14, 13, 30, tzinfo=timezone.utc)) is None
    assert refusal(when=datetime(2026, 2, 14, 14, 30, tzinfo=timezone.utc)) == "22:00-08:00"


def test_r16_at_most_3_connected_calls_a_day():
    assert CALLS_PER_DAY == "3 connected calls"
    assert refusal(calls=2) is None
    assert refusal(calls=3) == "3 connected calls"
    assert refusal(calls=3, outcome="no_answer") is None  # an unanswered call is no connected call
    assert refusal(calls=3, channel="sms") is None


def test_r16_the_lender_configures_time_zone_and_hours():
    raw = parse_exact_toml(DEFAULT_FILE.read_text(encoding="utf-8"), source="t")
    raw.update(time_zone="Europe/London", quiet_from="21:00", quiet_until="09:00", connected_calls_per_day=2)
    guards = config_from_mapping(raw, source="t").guards
    london = datetime(2026, 2, 14, 20, 30, tzinfo=timezone.utc)  # 20:30 in London, 04:30 in Shanghai
    assert check_contact(guards, channel="sms", to=PHONE, at=london, outcome="connected", borrower_phone=PHONE,
                         connected_calls_that_day=0) is None
    late = check_contact(guards, channel="sms", to=PHONE, at=london + timedelta(hours=1), outcome="connected",
                         borrower_phone=PHONE, connected_calls_that_day=0)
    assert late is not None and late.reason == "21:00-09:00"


# --- templates: the article's threats are refused when loaded ---------------------------

@pytest.mark.parametrize("text, claim", [
    ("再不还款就起诉你", "prosecution"),
    ("已移交公安机关，追究刑事责任", "prosecution"),
    ("逾期将坐牢", "prosecution"),
    ("你将进入征信黑名单", "blacklist"),
    ("你将无法乘坐高铁和飞机", "travel"),
    ("限制出行", "travel"),
    ("影响子女上学和工作", "family"),
    ("我们会联系你的家人", "family"),
    ("We will prosecute you", "prosecution"),
    ("Criminal charges follow", "prosecution"),
    ("You will be banned from trains", "travel"),
    ("a travel ban awaits", "travel"),
    ("Your children will not find jobs", "family"),
    ("We will call your family", "family"),
    ("You are on the credit blacklist", "blacklist"),
])
def test_r16_article_claims_refused_in_templates(text, claim):
    found = forbidden_claim(text)
    assert found is not None and claim in found[0]
    with pytest.raises(BadInput, match="refused \\(R16\\)"):
        check_template("dunning", text)


def test_r16_a_factual_reminder_is_accepted():
    assert forbidden_claim(CONFIG.templates["overdue_notice"].text) is None
    assert check_template("ok", "Loan {loan_id}: {amount_due} is due on {due_date}.").render(
        loan_id=7, amount_due="130.00", due_date="2026-02-10") == "Loan 7: 130.00 is due on 2026-02-10."


def test_r16_a_forbidden_template_refuses_the_whole_file(tmp_path: Path):
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace(
        'escalation = "', 'escalation = "不还钱就让你坐不了高铁。', 1)
    path = tmp_path / "collections.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match="template 'escalation' is refused \\(R16\\): it threatens travel bans"):
        load_config(path)


@pytest.mark.parametrize("change, message", [
    (lambda raw: raw.update(time_zone="Mars/Olympus"), "time_zone 'Mars/Olympus' is not a time zone"),
    (lambda raw: raw.update(quiet_from="25:00"), "quiet_from '25:00' must be a time of day"),
    (lambda raw: raw.update(connected_calls_per_day="3"), "connected_calls_per_day '3' must be a whole number"),
    (lambda raw: raw.update(colour="red"), "unknown field"),
    (lambda raw: raw["ladder"][0].update(template="nope"), "template 'nope' is not among the templates"),
    (lambda raw: raw["ladder"][0].update(dpd_from=3), "needs exactly one trigger"),
    (lambda raw: raw["ladder"][6].update(owed_over="5,000"), "owed_over"),
    (lambda raw: raw["ladder"][1].update(action="escalation"), "appears twice"),
    (lambda raw: raw["ladder"][0].update(channel="letter"), "channel 'letter' must be one of call, sms, app"),
    (lambda raw: raw["templates"].update(x="{borrower_id}"), "unknown placeholder"),
])
def test_config_bad_fields_are_named(change, message):
    raw = parse_exact_toml(DEFAULT_FILE.read_text(encoding="utf-8"), source="lender.toml")
    change(raw)
    with pytest.raises(BadInput, match=message):
        config_from_mapping(raw, source="lender.toml")
