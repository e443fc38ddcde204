"""The service layer: one use case, one function, one unit of work.

The API, the CLI, close of business and the scenario runner all call these functions;
each loads what it needs, asks the rules core, posts the ledger and commits once.
"""
