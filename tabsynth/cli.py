"""The ``tabsynth`` command: fit, sample, evaluate and demo.

Every error a user can cause prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

from .errors import InvalidParameterError, TabsynthError


def _parse_param(text: str) -> tuple[str, object]:
    """``k=v`` with ``v`` read as JSON when it parses (numbers, true/false, null, lists), else a string."""
    if "=" not in text:
        raise InvalidParameterError(f"--param expects key=value (e.g. --param epochs=10). Got {text!r}.")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def _rows(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rows must be a positive integer. Got {text!r}.") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--rows must be a positive integer. Got {text!r}.")
    return value


def _cmd_fit(args: argparse.Namespace) -> int:
    from .io import read_table
    from .registry import make

    data = read_table(args.data)
    synth = make(args.synthesizer, **dict(_parse_param(p) for p in args.param))
    started = time.perf_counter()
    synth.fit(data)
    synth.save(args.output)
    print(f"Fitted {type(synth).__name__} on {len(data):,} rows x {data.shape[1]} columns in "
          f"{time.perf_counter() - started:.1f} s; model written to {args.output}")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from .io import table_format, write_table
    from .registry import load

    table_format(args.output)  # refuse a bad extension before any work
    synth = load(args.model)
    started = time.perf_counter()
    if hasattr(synth, "sample_to_file"):
        synth.sample_to_file(args.output, args.rows, random_state=args.seed)
    else:
        write_table(synth.sample(args.rows, random_state=args.seed), args.output)
    print(f"Wrote {args.rows:,} rows to {args.output} in {time.perf_counter() - started:.1f} s")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(synthesizer=args.synthesizer, num_rows=args.rows, seed=args.seed)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tabsynth", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="fit a synthesizer on a CSV/parquet table and save the model")
    fit.add_argument("data", help="the real table (.csv, .csv.gz or .parquet)")
    fit.add_argument("--synthesizer", required=True, help="registry name, e.g. gaussian_copula")
    fit.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a synthesizer parameter")
    fit.add_argument("--output", required=True, help="model file to write (e.g. model.tsyn)")
    fit.set_defaults(handler=_cmd_fit)

    sample = commands.add_parser("sample", help="sample rows from a saved model to .csv or .parquet")
    sample.add_argument("model", help="a model file written by 'tabsynth fit'")
    sample.add_argument("--rows", type=_rows, required=True, help="number of rows")
    sample.add_argument("--output", required=True, help="output file (.csv or .parquet)")
    sample.add_argument("--seed", type=int, default=None, help="fixed seed: the same seed gives the same rows")
    sample.set_defaults(handler=_cmd_sample)

    demo = commands.add_parser("demo", help="fit on bundled Adult, sample, print a fidelity summary")
    demo.add_argument("--synthesizer", default="gaussian_copula", help="registry name (default gaussian_copula)")
    demo.add_argument("--rows", type=_rows, default=None, help="rows to sample (default: as many as the data)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(handler=_cmd_demo)

    _add_optional_commands(commands)
    return parser


def _add_optional_commands(commands) -> None:
    """Subcommands owned by other modules (kept out of the import path until used)."""
    try:
        from .evaluation.cli import add_evaluate_command
    except ImportError:
        return
    add_evaluate_command(commands)


def _exit_on_sigterm(signum, frame):
    # Raising unwinds the stack, so half-written outputs are removed by their context managers.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.handler(args) or 0)
    except TabsynthError as exc:
        print(f"tabsynth: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tabsynth: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
