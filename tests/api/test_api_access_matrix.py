"""Every endpoint against every caller (issue 6 item 3): access is checked before any
work, a borrower gets the same 404 for another borrower's record as for a missing one,
and no refusal carries a fact of the record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from api_helpers import new_key
from loanbook.api.deps import OWN_READ, allow
from loanbook.errors import AccessDenied, NotFound
from loanbook.service.users import authenticate
from loanbook.store.unit_of_work import UnitOfWork

MISSING = 987654  # an id that exists for nothing
NAME, PHONE = "Zhang Wei", "+86 139 1234 5678"
FACTS = (NAME, PHONE, "139 1234", "2026-01-15", "10000", "Zhang")  # of borrower A and its first loan

STAFF_READ = {"admin", "operator", "reviewer"}
STAFF_WRITE = {"admin", "operator"}
ADMIN = {"admin"}
CALLERS = ("admin", "operator", "reviewer", "own", "other", "none")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {b}: a borrower id, {l}: a loan id
    roles: set[str]  # staff roles that may call it
    borrower_may: bool  # a borrower token on its own records
    body: dict | None = None
    query: dict | None = None

    @property
    def has_id(self) -> bool:
        return "{b}" in self.path or "{l}" in self.path


ENDPOINTS = (
    Endpoint("POST", "/v1/borrowers", STAFF_WRITE, False, {"name": "Wang Fang", "phone": "13800001111", "credit_limit": "100.00"}),
    Endpoint("GET", "/v1/borrowers/{b}", STAFF_READ, True),
    Endpoint("GET", "/v1/borrowers/{b}/bill", STAFF_READ, True, query={"due_date": "2026-02-10"}),
    Endpoint("POST", "/v1/borrowers/{b}/loans", STAFF_WRITE, False, {"product": "FLEX6", "principal": "100.00", "terms": 1}),
    Endpoint("GET", "/v1/loans/{l}", STAFF_READ, True),
    Endpoint("GET", "/v1/loans/{l}/payoff-quote", STAFF_READ, True),
    Endpoint("POST", "/v1/borrowers/{b}/repayments", STAFF_WRITE, True, {"amount": "1.00"}),
    Endpoint("POST", "/v1/borrowers/{b}/payoffs", STAFF_WRITE, True, {"loan_ids": [1], "total": "1.00"}),
    Endpoint("POST", "/v1/borrowers/{b}/refunds", STAFF_WRITE, False, {"amount": "1.00"}),
    Endpoint("GET", "/v1/business-date", STAFF_READ, False),
    Endpoint("GET", "/v1/ledger/trial-balance", ADMIN, False),
    Endpoint("GET", "/v1/ledger/check", ADMIN, False),
    Endpoint("GET", "/v1/borrowers/{b}/transactions", STAFF_READ, True),
    Endpoint("GET", "/v1/borrowers/{b}/statement", STAFF_READ, True, query={"from": "2026-01-15", "to": "2026-02-01"}),
    Endpoint("GET", "/v1/reports/portfolio", STAFF_READ, False),
    Endpoint("GET", "/v1/reports/dpd", STAFF_READ, False),
    Endpoint("GET", "/v1/reports/roll-rates", STAFF_READ, False),
    Endpoint("GET", "/v1/reports/events", STAFF_READ, False),
    Endpoint("GET", "/v1/collections/worklist", STAFF_READ, False),
    Endpoint("POST", "/v1/loans/{l}/contact-attempts", STAFF_WRITE, False,
             {"channel": "call", "to": "+86 138 0013 8000", "at": "2026-02-14T10:00:00+08:00", "outcome": "no_answer"}),
    Endpoint("POST", "/v1/loans/{l}/promises", STAFF_WRITE, False, {"amount": "10.00", "by": "2026-02-20"}),
    Endpoint("GET", "/v1/loans/{l}/collections", STAFF_READ, False),
    Endpoint("POST", "/v1/business-date/close", ADMIN, False),  # last: it moves the business date
)


def expected(endpoint: Endpoint, caller: str, exists: bool) -> int | None:
    """The status the caller must get; None: the work itself (2xx, or a refusal of the
    request by a rule: anything but 401, 403 and 404)."""
    if caller == "none":
        return 401
    if caller in ("own", "other"):
        if not endpoint.borrower_may:
            return 403
        return 404 if caller == "other" or not exists else None
    if caller not in endpoint.roles:
        return 403
    return None if exists or not endpoint.has_id else 404


def test_every_endpoint_against_every_caller(api):
    a = api.borrower(name=NAME)
    b = api.borrower(name="Chen Jie")
    old_loan = api.loan(a)["id"]
    api.post(f"/v1/borrowers/{a}/repayments", {"amount": "10.00"})
    api.close_until(date(2026, 2, 14))  # A's loan overdue, with penalty
    fresh_loan = api.loan(a, principal="1000.00")["id"]  # disbursed today: its quote is refused, naming the day
    tokens = {"own": api.borrower_token(a), "other": api.borrower_token(b)}
    failures = []
    not_found_bodies: dict[tuple[str, str], set[str]] = {}
    for endpoint in ENDPOINTS:
        for caller in CALLERS:
            targets = [(True, old_loan), (True, fresh_loan), (False, MISSING)] if endpoint.has_id else [(True, None)]
            for exists, loan_id in targets:
                borrower_id = a if exists else MISSING
                path = endpoint.path.replace("{b}", str(borrower_id)).replace("{l}", str(loan_id))
                body = endpoint.body
                if body is not None and "loan_ids" in body:
                    body = {**body, "loan_ids": [old_loan]}
                headers = {"Idempotency-Key": new_key()}
                if caller != "none":
                    headers["Authorization"] = f"Bearer {api.tokens[tokens.get(caller, caller)]}"
                reply = api.client.request(endpoint.method, path, json=body, params=endpoint.query, headers=headers)
                want = expected(endpoint, caller, exists)
                got = reply.status_code
                if (want is None and got in (401, 403, 404, 500)) or (want is not None and got != want):
                    failures.append(f"{endpoint.method} {path} as {caller}: {got} (want {want or 'the work'}) {reply.text}")
                if got >= 400:
                    error = reply.json()["error"]
                    if got in (401, 403, 404) and any(fact in reply.text for fact in FACTS):
                        failures.append(f"{endpoint.method} {path} as {caller}: the refusal tells {reply.text}")
                    if got == 404:
                        anonymous = re.sub(r"\d+", "N", error["message"])
                        not_found_bodies.setdefault((endpoint.method, endpoint.path), set()).add(anonymous)
    assert not failures, "\n".join(failures)
    for where, messages in not_found_bodies.items():
        assert len(messages) == 1, (where, messages)  # one 404 for every caller and id: nothing to probe


def test_a_payoff_quote_of_another_borrower_says_nothing_of_it(api):
    """The finding: the quote was computed before the check, and its refusal named the
    disbursement day of another borrower's loan."""
    a, b = api.borrower(name=NAME), api.borrower(name="Chen Jie")
    loan_id = api.loan(a)["id"]  # disbursed today: a quote today is refused (R8)
    stranger = api.borrower_token(b)
    theirs = api.get(f"/v1/loans/{loan_id}/payoff-quote", role=stranger)
    missing = api.get(f"/v1/loans/{MISSING}/payoff-quote", role=stranger)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == {"error": {"code": "not_found", "message": f"no loan {loan_id}"}}
    assert missing.json() == {"error": {"code": "not_found", "message": f"no loan {MISSING}"}}
    assert api.get(f"/v1/loans/{loan_id}/payoff-quote").status_code == 422  # staff: the rule's refusal


def test_access_is_checked_before_the_body(api):
    """A borrower sending a malformed body to another borrower learns nothing either, and
    a reviewer is refused before its body is read."""
    a, b = api.borrower(), api.borrower(name="Chen Jie")
    stranger = api.borrower_token(b)
    reply = api.post(f"/v1/borrowers/{a}/repayments", {"amount": "x", "extra": 1}, role=stranger)
    assert reply.status_code == 404 and reply.json()["error"]["message"] == f"no borrower {a}"
    reply = api.post("/v1/borrowers", {"name": ""}, role="reviewer")
    assert reply.status_code == 403


def test_the_check_for_routes_without_the_dependencies_answers_the_same(api):
    """deps.allow: for a route that checks in its body; the same answers as the dependencies."""
    a, b = api.borrower(), api.borrower(name="Chen Jie")
    with UnitOfWork(api.engine) as uow:
        me = authenticate(uow, api.tokens[api.borrower_token(a)])
        reviewer = authenticate(uow, api.tokens["reviewer"])
    allow(me, OWN_READ, borrower_id=a)
    with pytest.raises(NotFound, match=f"^no borrower {b}$"):
        allow(me, OWN_READ, borrower_id=b)
    with pytest.raises(AccessDenied):
        allow(me, STAFF_WRITE, borrower_id=a)
    with pytest.raises(AccessDenied, match="may only read"):
        allow(reviewer, STAFF_WRITE, borrower_id=a)


def test_a_payoff_naming_another_borrowers_loan_answers_as_a_missing_loan(api):
    a, b = api.borrower(), api.borrower(name="Chen Jie")
    api.loan(a)
    their_loan = api.loan(b)["id"]
    me = api.borrower_token(a)
    theirs = api.post(f"/v1/borrowers/{a}/payoffs", {"loan_ids": [their_loan], "total": "1.00"}, role=me)
    missing = api.post(f"/v1/borrowers/{a}/payoffs", {"loan_ids": [MISSING], "total": "1.00"}, role=me)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["message"] == f"borrower {a} has no loan {their_loan}"
    assert missing.json()["error"]["message"] == f"borrower {a} has no loan {MISSING}"
