"""The ``loanbook`` command: thin edges that parse, call the core or a service, render."""
