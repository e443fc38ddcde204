"""The rules core: pure functions over immutable values (RULES.md R1-R12).

No I/O and no clock: every function that depends on a day takes it as an argument.
"""
