"""The `robustness` command: a thin, lazy front over typed functions.

Each subcommand lives in its own module under robustness/cli and is imported only when invoked,
so `robustness --help` stays fast and heavy libraries load only for the command that needs them.
"""

from __future__ import annotations

import importlib
import sys

import click

from robustness.errors import EXIT_INTERNAL, RobustnessError

# name -> (module, attribute, one-line help shown by `robustness --help` without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "train": ("robustness.cli.train", "train", "Train an LSTM sentiment model on IMDB or a CSV."),
    "evaluate": ("robustness.cli.evaluate", "evaluate", "Accuracy, F1 and confusion matrix of a model, beside a bag-of-words baseline."),
    "predict": ("robustness.cli.predict", "predict", "Label reviews from a CSV or from stdin."),
    "test": ("robustness.cli.test", "test", "Run a robustness suite and gate on its pass rates."),
    "report": ("robustness.cli.report", "report", "Re-render a results JSON as HTML, optionally against a baseline."),
    "augment": ("robustness.cli.augment", "augment", "Make augmented training data from a suite's failures."),
    "loop": ("robustness.cli.loop", "loop", "Suite, augment, retrain, suite again: the whole loop with a before/after report."),
    "compare": ("robustness.cli.compare", "compare", "Compare models on the same perturbed cases: accuracy, robustness, speed, explanations."),
    "ablate": ("robustness.cli.ablate", "ablate", "Train one-factor LSTM variants and report each factor's effect on accuracy and robustness."),
    "serve": ("robustness.cli.serve", "serve", "Serve any model over HTTP (JSON in, probabilities out) for http:// specs."),
    "harden": ("robustness.cli.harden", "harden", "Put any model behind a normalizer of the words it cannot read (no retraining)."),
    "history": ("robustness.cli.history", "history", "Runs remembered across releases: list, show, diff, trend, tag."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name, (module, _, _) in COMMANDS.items() if importlib.util.find_spec(module) is not None]

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attribute)

    def resolve_command(self, ctx, args):
        """An unknown command name gets the closest valid one suggested."""
        name = args[0] if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"commands: {', '.join(COMMANDS)}"
            raise click.UsageError(f"unknown command '{name}'; {hint}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sentiment-robustness-harness", prog_name="robustness")
def cli():
    """Robustness testing for sentiment classifiers: train, test, gate, augment, retrain."""


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning user errors into one line on stderr and their exit code (no traceback)."""
    try:
        cli.main(args=argv, prog_name="robustness", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()} (see `robustness --help`)", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except RobustnessError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception:  # a bug, not a user mistake: keep it apart from "gate failed" (1) in CI scripts
        import traceback

        traceback.print_exc()
        click.echo("error: internal error (a bug in the harness; please report it with the traceback above)", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)
