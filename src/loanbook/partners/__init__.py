"""Partner banks (R17): the split of co-funded loans posted to the ledger, the
transactional outbox and its relay, daily reconciliation and its breaks, and the holds
that keep a borrower the platform and the bank disagree about from negative reporting."""
