"""The ``loanbook`` command, run as a real process (R1, R4, R6, R8, R10, SCENARIOS.md).

Exit status: 0 ok, 1 ran but something is flagged or an expectation failed, 2 bad input
(nothing done). A refusal is one clear message on stderr, never a Python traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import EXAMPLES_DIR

BIN = Path(sys.executable).parent / "loanbook"
COMMAND = [str(BIN)] if BIN.exists() else (
    [shutil.which("loanbook")] if shutil.which("loanbook") else [sys.executable, "-c", "from loanbook.cli.main import main; main()"]
)
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))
needs_examples = pytest.mark.skipif(not EXAMPLES, reason=f"no worked examples in {EXAMPLES_DIR}")

W1 = ["--principal", "10000", "--terms", "6", "--disbursed", "2026-01-15"]
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def loanbook(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )


def assert_refused(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, every fragment in the message on stderr, no traceback anywhere."""
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert "error" in run.stderr.lower()
    for fragment in fragments:
        assert fragment in run.stderr, f"{fragment!r} not in stderr {run.stderr!r}"


# --- schedule (R4, R10) ---------------------------------------------------------------------


def test_r4_r10_schedule_shows_w1_interest_and_both_annual_rates():
    run = loanbook("schedule", "--product", "FLEX6", *W1)
    assert run.returncode == 0, run.stderr
    assert "880.00" in run.stdout  # W1 total interest
    assert "19.86%" in run.stdout  # IRR-based rate (R10)
    assert "18.25%" in run.stdout  # simple rate, labelled as such
    assert "simple" in run.stdout
    for due in ("2026-02-10", "2026-03-10", "2026-07-10"):
        assert due in run.stdout
    assert run.stderr == ""


def test_r4_r10_schedule_json_is_w1():
    run = loanbook("schedule", "--product", "FLEX6", *W1, "--json")
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["total_interest"] == "880.00"
    assert plan["annual_rate_irr"] == "19.86%"
    assert plan["annual_rate_simple"] == "18.25%"
    assert [(p["due_date"], p["days"], p["interest"], p["principal"]) for p in plan["schedule"]] == [
        ("2026-02-10", 26, "130.00", "0.00"),
        ("2026-03-10", 28, "140.00", "0.00"),
        ("2026-04-10", 31, "155.00", "0.00"),
        ("2026-05-10", 30, "150.00", "0.00"),
        ("2026-06-10", 31, "155.00", "0.00"),
        ("2026-07-10", 30, "150.00", "10000.00"),
    ]


# --- quote (R8, W3) -------------------------------------------------------------------------


@pytest.mark.parametrize(("product", "fee", "total"), [("FLEX6", "0.00", "10095.00"), ("TERM6", "300.00", "10395.00")])
def test_r8_w3_quote_json(product, fee, total):
    run = loanbook("quote", "--product", product, *W1, "--on", "2026-03-01", "--repay", "2026-02-10:130.00", "--json")
    assert run.returncode == 0, run.stderr
    quote = json.loads(run.stdout)
    assert quote["total"] == total
    assert quote["fee"] == fee
    assert quote["interest"] == "95.00"
    assert quote["principal"] == "10000.00"
    assert quote["penalty"] == "0.00"
    assert quote["date"] == "2026-03-01"


def test_r8_w3_quote_table():
    run = loanbook("quote", "--product", "TERM6", *W1, "--on", "2026-03-01", "--repay", "2026-02-10:130.00")
    assert run.returncode == 0, run.stderr
    assert "10395.00" in run.stdout
    assert "300.00" in run.stdout


# --- bad CLI input (R1, R6, R8) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--principal", "10.001", "--terms", "6", "--disbursed", "2026-01-15"],
         ["--principal '10.001' has more than 2 decimal places"]),
        (["--principal", "0", "--terms", "6", "--disbursed", "2026-01-15"], ["--principal must be more than zero"]),
        (["--principal", "-5", "--terms", "6", "--disbursed", "2026-01-15"], ["--principal must be more than zero"]),
        (["--principal", "ten", "--terms", "6", "--disbursed", "2026-01-15"], ["--principal 'ten' is not an amount"]),
        (["--principal", "50", "--terms", "6", "--disbursed", "2026-01-15"],
         ["principal 50.00 is outside product FLEX6's range 100.00 to 200000.00"]),
        (["--principal", "10000", "--terms", "7", "--disbursed", "2026-01-15"],
         ["terms 7 is outside product FLEX6's range 1 to 6 monthly periods"]),
        (["--principal", "10000", "--terms", "0", "--disbursed", "2026-01-15"], ["terms 0 is outside product FLEX6's range"]),
        (["--principal", "10000", "--terms", "6", "--disbursed", "2026-13-01"],
         ["--disbursed '2026-13-01' is not a date written YYYY-MM-DD"]),
        (["--principal", "10000", "--terms", "6", "--disbursed", "15/01/2026"], ["--disbursed '15/01/2026' is not a date"]),
        (["--product", "FLEX9", *W1], ["unknown product 'FLEX9': use a preset (FLEX6, TERM6) or a product file"]),
        (["--product", "absent.toml", *W1], ["absent.toml: no such file"]),
    ],
)
def test_r1_r6_bad_schedule_input_exits_2_with_a_clear_message(args, fragments):
    assert_refused(loanbook("schedule", *args), *fragments)


def test_r1_schedule_terms_that_is_not_a_number_is_a_usage_error():
    run = loanbook("schedule", "--principal", "10000", "--terms", "six", "--disbursed", "2026-01-15")
    assert run.returncode == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "--terms" in run.stderr


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--on", "2026-01-15"], ["cannot be settled on 2026-01-15", "the day after disbursement", "R8"]),
        (["--on", "2026-01-10"], ["--on 2026-01-10 is before the loan is disbursed (--disbursed 2026-01-15)"]),
        (["--on", "2026-03-32"], ["--on '2026-03-32' is not a date written YYYY-MM-DD"]),
        (["--on", "2026-03-01", "--repay", "2026-02-10"], ["--repay '2026-02-10' must be DATE:AMOUNT"]),
        (["--on", "2026-03-01", "--repay", "2026-02-10:130.005"], ["--repay amount '130.005' has more than 2 decimal places"]),
        (["--on", "2026-03-01", "--repay", "2026-02-10:-130.00"], ["--repay amount must be more than zero"]),
        (["--on", "2026-03-01", "--repay", "2026-03-05:130.00"], ["--repay 2026-03-05 is after the payoff day 2026-03-01"]),
        (["--on", "2026-03-01", "--repay", "2026-01-10:130.00"], ["--repay 2026-01-10 is before the loan is disbursed"]),
    ],
)
def test_r6_r8_bad_quote_input_exits_2_with_a_clear_message(args, fragments):
    assert_refused(loanbook("quote", *W1, *args), *fragments)


def test_r6_huge_principal_is_refused_without_a_traceback():
    assert_refused(loanbook("schedule", "--principal", "1e30", "--terms", "6", "--disbursed", "2026-01-15"), "--principal")


# --- scenario run (SCENARIOS.md) --------------------------------------------------------------


@needs_examples
def test_scenarios_the_worked_examples_pass():
    run = loanbook("scenario", "run", *EXAMPLES)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(EXAMPLES)} file(s): all passed" in run.stdout
    assert "FAIL" not in run.stdout


LOAN_FIELDS = {
    "status", "dpd", "principal_outstanding", "principal_due", "interest_due", "penalty_due", "payoff_total",
    "principal_paid", "interest_paid", "penalty_paid", "fee_paid", "coupon_waived", "total_paid", "settled_on",
    "schedule",
}
SCHEDULE_FIELDS = {"period", "due_date", "principal", "interest", "paid_principal", "paid_interest", "paid_penalty"}


@needs_examples
def test_scenarios_json_is_one_object_per_file_with_the_documented_fields():
    run = loanbook("scenario", "run", "--json", *EXAMPLES)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(EXAMPLES)
    for path, line in zip(EXAMPLES, lines):
        result = json.loads(line)
        assert {"name", "checkpoints", "failures"} <= set(result)
        assert result["failures"] == []
        assert result["file"] == str(path)
        assert result["checkpoints"]
        for checkpoint in result["checkpoints"]:
            assert ISO_DAY.match(checkpoint["on"])
            assert AMOUNT.match(checkpoint["credit_balance"])
            for loan in checkpoint["loans"].values():
                assert LOAN_FIELDS <= set(loan)
                assert isinstance(loan["dpd"], int) and not isinstance(loan["dpd"], bool)
                assert loan["status"] in ("ACTIVE", "GRACE", "OVERDUE", "SETTLED")
                for field in LOAN_FIELDS - {"status", "dpd", "settled_on", "schedule", "payoff_total"}:
                    assert AMOUNT.match(loan[field]), (field, loan[field])
                assert loan["payoff_total"] is None or AMOUNT.match(loan["payoff_total"])
                assert loan["settled_on"] is None or ISO_DAY.match(loan["settled_on"])
                paid = sum(float(loan[f]) for f in ("principal_paid", "interest_paid", "penalty_paid", "fee_paid"))
                assert round(paid, 2) == float(loan["total_paid"])
                for period in loan["schedule"]:
                    assert SCHEDULE_FIELDS <= set(period)
                    assert ISO_DAY.match(period["due_date"])


@needs_examples
def test_scenarios_json_of_w2_on_the_first_overdue_day():
    """W2 (R7): on 2026-02-14 the loan is OVERDUE, DPD 4, penalty 0.39."""
    path = EXAMPLES_DIR / "w2-late-first-instalment.yaml"
    if not path.exists():
        pytest.skip(f"{path} is not there")
    run = loanbook("scenario", "run", "--json", path)
    assert run.returncode == 0, run.stderr
    (checkpoint,) = [c for c in json.loads(run.stdout)["checkpoints"] if c["on"] == "2026-02-14"]
    loan = checkpoint["loans"]["A"]
    assert (loan["status"], loan["dpd"], loan["penalty_due"]) == ("OVERDUE", 4, "0.39")


FAILING = """\
name: wrong on purpose
loans:
  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}
checkpoints: [2026-02-14]
expect:
  2026-02-14:
    A: {status: GRACE, penalty_due: "0.39"}
"""


def test_scenarios_failing_expectation_exits_1_and_lists_it(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(FAILING)
    run = loanbook("scenario", "run", path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL 2026-02-14 A.status: expected 'GRACE', got 'OVERDUE'" in run.stdout
    assert "penalty_due" not in run.stdout.split("FAIL", 1)[1]  # only what failed is listed
    assert "Traceback" not in run.stdout + run.stderr

    run = loanbook("scenario", "run", "--json", path)
    assert run.returncode == 1
    assert json.loads(run.stdout)["failures"] == [
        {"checkpoint": "2026-02-14", "loan": "A", "field": "status", "expected": "GRACE", "actual": "OVERDUE"}
    ]


BAD_SCENARIOS = [
    (
        "refused.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n'
        "events:\n  - {date: 2026-01-15, payoff: A}\ncheckpoints: [2026-01-16]\n",
        ["refused.yaml", "event 1 (2026-01-15 payoff A) was refused", "the day after disbursement"],
    ),
    (
        "coupon.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n'
        'events:\n  - {date: 2026-02-01, coupon: {id: C1, amount: "100.00", expires: 2026-01-31}}\n'
        "checkpoints: [2026-02-02]\n",
        ["coupon.yaml", "event 1 (2026-02-01 coupon C1) was refused", "expire on 2026-01-31, before it is granted"],
    ),
    (
        "baddate.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-13-15}\ncheckpoints: [2026-02-02]\n',
        ["baddate.yaml", "'2026-13-15' is not a real calendar date"],
    ),
    (
        "dates-and-times.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n'
        "checkpoints: [2026-02-02 09:00:00]\n",
        ["dates-and-times.yaml", "checkpoint '2026-02-02 09:00:00' is a date and time"],
    ),
    (
        "on-key.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, on: 2026-01-15}\ncheckpoints: [2026-02-02]\n',
        ["on-key.yaml", "loan 1: unknown key(s) True (a bare on/off/yes/no key"],
    ),
    (
        "three-decimals.yaml",
        'loans:\n  - {id: A, principal: "10000.00", terms: 6, disbursed_on: 2026-01-15}\n'
        'events:\n  - {date: 2026-02-10, repay: "130.001"}\ncheckpoints: [2026-02-11]\n',
        ["three-decimals.yaml", "event 1 (2026-02-10) repay amount '130.001' has more than 2 decimal places"],
    ),
    ("list.yaml", "- a\n- b\n", ["list.yaml", "a scenario is a mapping"]),
    ("broken.yaml", "loans: [\n", ["broken.yaml", "not valid YAML"]),
]


@pytest.mark.parametrize(("name", "text", "fragments"), BAD_SCENARIOS, ids=[c[0] for c in BAD_SCENARIOS])
def test_scenarios_bad_file_exits_2_with_the_message_on_stderr(tmp_path, name, text, fragments):
    path = tmp_path / name
    path.write_text(text)
    run = loanbook("scenario", "run", path)
    assert_refused(run, *fragments)
    assert run.stdout.strip() == ""


def test_scenarios_missing_file_exits_2(tmp_path):
    assert_refused(loanbook("scenario", "run", tmp_path / "absent.yaml"), "absent.yaml: no such file")


@needs_examples
def test_scenarios_one_bad_file_among_good_ones_exits_2_and_the_good_ones_still_run(tmp_path):
    bad = tmp_path / "refused.yaml"
    bad.write_text(BAD_SCENARIOS[0][1])
    run = loanbook("scenario", "run", "--json", EXAMPLES[0], bad)
    assert_refused(run, "refused.yaml", "the day after disbursement")
    good, refused = (json.loads(line) for line in run.stdout.splitlines())
    assert good["failures"] == [] and good["checkpoints"]
    assert refused["file"] == str(bad)
    assert "event 1 (2026-01-15 payoff A) was refused" in refused["error"]


# --- products (R1, R10) ---------------------------------------------------------------------


def test_r1_products_check_valid_file_exits_0(tmp_path):
    path = tmp_path / "lender.toml"
    path.write_text('code = "FLEX12"\nbase = "FLEX6"\nterms = [1, 12]\n')
    run = loanbook("products", "check", path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FLEX12" in run.stdout
    assert "1 valid product(s)" in run.stdout
    assert "FLAG" not in run.stdout


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("costly.toml", 'code = "COSTLY"\nbase = "FLEX6"\ndaily_rate = "0.001"\n'),
        ("costly.yaml", "code: COSTLY\nbase: FLEX6\ndaily_rate: 0.001\n"),
    ],
)
def test_r10_products_check_flags_a_product_above_the_24_percent_cap(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    run = loanbook("products", "check", path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FLAG COSTLY" in run.stdout
    assert "above its cap 24.00% (R10)" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr

    run = loanbook("products", "check", "--json", path)
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert report["flagged"] == ["COSTLY"]
    (product,) = report["products"]
    assert product["above_cap"] is True
    assert float(product["annual_rate_irr_worst"].rstrip("%")) > 24


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("bad.toml", 'code = "BAD1"\nbase = "FLEX6"\ndue_day = 31\n', ["bad.toml: product BAD1: due_day 31 must be a day of the month from 1 to 28"]),
        ("bad.toml", 'code = "BAD1"\nbase = "FLEX6"\ngrace_days = -1\n', ["product BAD1: grace_days -1 must be from 0 to 30"]),
        ("bad.yaml", "code: BAD1\nbase: FLEX6\npenalty_multiplier: 0.5\n", ["product BAD1: penalty_multiplier '0.5' must be from 1 to 5"]),
        ("bad.yaml", "code: BAD1\nbase: FLEX6\n1: x\n", ["bad.yaml: product BAD1: unknown field(s) 1;"]),
        ("bad.toml", 'code = "BAD1\n', ["bad.toml: not valid TOML"]),
        ("bad.json", "{}", ["bad.json: unknown file type '.json'"]),
    ],
)
def test_r1_products_check_invalid_file_exits_2(tmp_path, name, text, fragments):
    path = tmp_path / name
    path.write_text(text)
    assert_refused(loanbook("products", "check", path), *fragments)


def test_r1_products_check_missing_file_exits_2(tmp_path):
    assert_refused(loanbook("products", "check", tmp_path / "absent.toml"), "absent.toml: no such file")


def test_r1_schedule_with_a_product_file(tmp_path):
    path = tmp_path / "flex12.toml"
    path.write_text('code = "FLEX12"\nbase = "FLEX6"\nterms = [1, 12]\n')
    run = loanbook("schedule", "--product", path, "--principal", "10000", "--terms", "12", "--disbursed", "2026-01-15", "--json")
    assert run.returncode == 0, run.stderr
    plan = json.loads(run.stdout)
    assert plan["product"] == "FLEX12"
    assert len(plan["schedule"]) == 12


# --- demo ------------------------------------------------------------------------------------


def test_demo_exits_0_and_shows_the_worked_examples():
    run = loanbook("demo", "--examples")  # the worked examples; plain `demo` plays a portfolio and serves
    assert run.returncode == 0, run.stdout + run.stderr
    assert "880.00" in run.stdout  # W1
    assert "19.86%" in run.stdout  # R10
    assert "0.39" in run.stdout  # W2's penalty
    assert "10095.00" in run.stdout  # W3
    assert "Traceback" not in run.stdout + run.stderr
