"""Scenario files (docs/scenarios.md): small YAML stories played through the
real engine, the project's executable specification."""
