"""Collections (R16): the ladder of actions by DPD and due dates, the message templates
and the claims they may never make, the guards on contacting a borrower, and the
nightly worklist.

    ladder.py      which action a loan needs on a day (pure)
    templates.py   message templates; forbidden claims refused when loaded (pure)
    guards.py      third parties, quiet hours, connected calls a day (pure)
    config.py      the lender's file (TOML/YAML), validated; default.toml holds R16's defaults
    worklist.py    close of business: the day's worklist, promises to pay checked
"""
