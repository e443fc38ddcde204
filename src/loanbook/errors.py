"""The errors loanbook raises, and what each means.

    LoanbookError            anything loanbook refuses; its message is for a person
    ├── BadInput             input that is malformed or out of range (an amount with
    │                        3 decimals, an unknown loan, a date in the future)
    │   └── NotFound         no such borrower, loan or user
    ├── RuleRefusal          well-formed input that a rule forbids (a payoff on the
    │                        disbursement day, a drawdown above the credit line)
    │   ├── Conflict         the request no longer fits the books: a payoff total that
    │   │                    is not today's quote, a day being closed
    │   └── ContactRefused   a collections guard stops a contact (R16): a third party,
    │                        the quiet hours, too many connected calls; ``reason`` names it
    ├── AccessDenied         no valid token, or a token that may not do this
    ├── Unavailable          the database cannot be reached now (a server down, a
    │                        wrong host or port): nothing was done; try again
    └── InvariantBroken      the engine caught itself in an impossible state (a
                             negative balance, paid more than due): a bug, never a
                             user's mistake; raised explicitly because ``assert``
                             disappears under ``python -O``

Every refusal changes nothing: the core works on immutable values, so a refused
operation simply returns no new value.
"""


class LoanbookError(Exception):
    """Base of every error loanbook raises on purpose."""


class BadInput(LoanbookError):
    """Malformed or out-of-range input: the message names what and why."""


class RuleRefusal(LoanbookError):
    """Well-formed input that a rule of RULES.md forbids; the message cites the rule."""


class NotFound(BadInput):
    """No such borrower, loan or user."""


class Conflict(RuleRefusal):
    """The request was right once but no longer fits the books; ask again."""


class ContactRefused(RuleRefusal):
    """A compliance guard of R16 refused a contact attempt (the refusal itself is logged)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"contact refused ({reason}): {message}")
        self.reason = reason


class AccessDenied(LoanbookError):
    """Missing or invalid credentials (``unauthenticated``) or a role that may not act."""

    def __init__(self, message: str, *, unauthenticated: bool = False) -> None:
        super().__init__(message)
        self.unauthenticated = unauthenticated


class Unavailable(LoanbookError):
    """The database cannot be reached: an operating condition, not the caller's input."""


class InvariantBroken(LoanbookError):
    """An invariant of the books does not hold: a defect in loanbook, not in the input."""
