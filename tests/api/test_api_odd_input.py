"""Random odd input on every POST body and id (issue 6 item 5): whatever is sent, the
answer is in the error shape or a success, never a 500, on both databases."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_helpers import new_key

ODD_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)  # surrogates included
SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | ODD_TEXT | st.sampled_from(
    ["1,5", "１２３", "1e2", "1_000.00", "\ud83d", "\u202e", "2026-02-30", "1705276800", "NaN", "-0", "0.001", "9" * 60])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
                      max_leaves=6)
BODIES = {
    "/v1/borrowers": ("name", "phone", "credit_limit"),
    "/v1/borrowers/{b}/loans": ("product", "principal", "terms", "partner_share"),
    "/v1/borrowers/{b}/repayments": ("amount", "value_date", "channel"),
    "/v1/borrowers/{b}/payoffs": ("loan_ids", "total"),
    "/v1/borrowers/{b}/refunds": ("amount",),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(BODIES)), values=st.lists(VALUES, min_size=0, max_size=4),
       extra=st.dictionaries(ODD_TEXT, SCALARS, max_size=1), borrower=st.sampled_from(["1", "0", "99999999999999999999",
                                                                                         "%ED%A0%BD", "1.0", "-1"]))
def test_no_odd_body_or_id_is_a_500(api, path, values, extra, borrower):
    if "tokens_ready" not in api.tokens:
        api.borrower()
        api.tokens["tokens_ready"] = ""
    body = {**dict(zip(BODIES[path], values)), **extra}
    text = json.dumps(body, ensure_ascii=True)  # escapes keep lone surrogates as \udXXX
    headers = {**api.auth("admin", new_key()), "Content-Type": "application/json"}
    reply = api.client.post(path.replace("{b}", borrower), content=text.encode(), headers=headers)
    assert reply.status_code < 500, (path, text, reply.text)
    answer = reply.json()
    if reply.status_code >= 400:
        assert set(answer) == {"error"} and answer["error"]["message"], answer
