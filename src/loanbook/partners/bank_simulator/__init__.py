"""A partner bank to talk to (R17): a separate process with its own database and its own
books of the loans it co-funds, applying the platform's messages idempotently by message
id and producing the daily file of what it believes each loan received. It can be told
to misbehave, so that the relay and reconciliation are tested against real faults."""
