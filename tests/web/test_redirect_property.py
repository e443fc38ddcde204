"""Property: whatever ``next`` a sign-in link carries, the redirect after signing in stays
on this site (no open redirect), and a path of the site is kept as it is."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from loanbook.web.session import safe_next, safe_path

SITE = "http://127.0.0.1:8000/login"
tricky = st.one_of(
    st.text(),
    st.text(alphabet="/\\:.@%?#abc \t\n", max_size=12),
    st.builds(lambda a, b: a + b, st.sampled_from(["/", "//", "/\\", "\\\\", "http://", "https:", " /", "/%2F"]),
              st.text(max_size=10)),
)


@given(tricky)
@example("/\t/evil.example")  # browsers drop tabs and newlines from a URL: this is //evil.example to them
@example("/\n/evil.example")
@example("/\\evil.example")
def test_the_redirect_after_sign_in_never_leaves_the_site(back_to):
    target = safe_next(back_to, "borrower")
    resolved = urlsplit(urljoin(SITE, target))
    assert resolved.netloc == "127.0.0.1:8000", (back_to, target)
    assert resolved.scheme == "http"


@given(st.lists(st.text(alphabet="abcdefghij0123456789-_", min_size=1, max_size=8), min_size=1, max_size=4))
def test_a_path_of_the_site_is_kept(parts):
    path = "/" + "/".join(parts)
    assert safe_path(path) == path
