"""``loanbook scenario run``: play scenario files (SCENARIOS.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from loanbook.cli.common import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK, err, out, print_json
from loanbook.errors import LoanbookError
from loanbook.scenario.model import load_scenario
from loanbook.scenario.report import print_result, result_json
from loanbook.scenario.runner import ScenarioResult, play
from loanbook.scenario.stored import StoredServicing
from loanbook.store.scratch import scratch_engine

def _play(path: Path, store: str | None) -> ScenarioResult:
    scenario = load_scenario(path)
    if store is None:
        return play(scenario)
    with scratch_engine(store) as engine:
        return play(scenario, StoredServicing(engine, scenario))


app = typer.Typer(help="Scenario files: stories played through the engine (docs/scenarios.md).", no_args_is_help=True)


@app.command("run")
def run(
    files: list[Path] = typer.Argument(..., help="Scenario files (YAML)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per file, one per line."),
    store: str = typer.Option(
        None, "--store",
        help="Play through the service layer and a real database: 'sqlite' (a temporary file) or a "
        "postgresql:// URL (a temporary schema in it, dropped after).",
    ),
) -> None:
    """Play each file; exit 0 when every expectation holds, 1 on failures, 2 on a bad file."""
    worst = EXIT_OK
    for path in files:
        try:
            result = _play(path, store)
        except LoanbookError as exc:
            err.print(f"[red]error:[/] {exc}", soft_wrap=True)
            if as_json:
                print_json({"file": str(path), "error": str(exc)})
            worst = EXIT_BAD_INPUT
            continue
        if as_json:
            print_json(result_json(result))
        else:
            print_result(out, result)
        if result.failures and worst == EXIT_OK:
            worst = EXIT_FAILURES
    if len(files) > 1 and not as_json:
        out.print(f"{len(files)} file(s): " + {0: "all passed", 1: "some failed", 2: "some could not be played"}[worst])
    raise typer.Exit(worst)
