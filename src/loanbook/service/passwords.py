"""Web sign-in passwords: argon2id (argon2-cffi), never stored or logged in clear.

argon2-cffi does the work better than our code would: a memory-hard hash, its salt and
parameters kept in one PHC string, and a constant-time check.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loanbook.errors import BadInput

PASSWORD_MIN = 8  # characters
PASSWORD_MAX = 1000  # characters: argon2 takes any length, but a form should not carry a book

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


@cache
def _decoy_hash() -> str:
    """Checked against when there is no hash to check (an unknown name), so that such a
    refusal takes as long as a wrong password: names cannot be probed by timing. Made on
    first use, not at import: a hash costs ~0.2 s, and every command imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> str:
    """The password as given (never stripped: spaces may be part of it), or BadInput."""
    if len(password) < PASSWORD_MIN:
        raise BadInput(f"a password needs at least {PASSWORD_MIN} characters; this one has {len(password)}")
    if len(password) > PASSWORD_MAX:
        raise BadInput(f"a password is at most {PASSWORD_MAX} characters; this one has {len(password)}")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password_rules(password))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; False for no hash, after the same work."""
    try:
        _hasher.verify(password_hash or _decoy_hash(), password[:PASSWORD_MAX + 1])
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
