"""The demo: the worked examples of RULES.md, played and printed."""
