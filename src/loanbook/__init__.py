"""loanbook: a loan servicing engine, exact to the fen.

The rules of docs/rules.md (R1-R17) live in ``loanbook.rules`` as pure functions over
immutable values; everything else (scenario runner, CLI, service) calls them.
"""

__version__ = "0.1.0"
