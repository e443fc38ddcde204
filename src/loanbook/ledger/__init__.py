"""The double-entry ledger (R14), as pure values and functions.

Postings are derived from the rules core: a journal entry is the difference between the
figures a loan had and the figures the core computes now, split into income recognised
(receivable against income) and money moved (cash or credit balance against
receivables). The store writes them; nothing here does I/O.
"""
