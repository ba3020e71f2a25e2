"""The ``tabsynth`` command: fit, sample, evaluate, inspect, detect-constraints, benchmark and demo.

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


def _read_json_file(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise InvalidParameterError(f"Cannot read the {what} file {path!r}: {exc.strerror}.") from None
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"The {what} file {path!r} is not valid JSON: {exc.msg} (line {exc.lineno}).") from None


def _parse_conditions(items: list[str]) -> dict | None:
    """``--conditions`` items: JSON objects (``'{"city": "Paris"}'``) or ``col=value`` pairs (value read as JSON
    when it parses: ``age=30`` is a number, ``city=Paris`` a string)."""
    if not items:
        return None
    out = {}
    for item in items:
        if item.lstrip().startswith("{"):
            try:
                parsed = json.loads(item)
            except json.JSONDecodeError as exc:
                raise InvalidParameterError(f"--conditions {item!r} is not a valid JSON object: {exc.msg}.") from None
            if not isinstance(parsed, dict):
                raise InvalidParameterError(f"--conditions {item!r} must be a JSON object of column: value.")
            out.update(parsed)
            continue
        if "=" not in item:
            raise InvalidParameterError(f"--conditions expects col=value or a JSON object (e.g. --conditions "
                                        f"city=Paris). Got {item!r}.")
        out.update([_parse_param(item)])
    return out


def _cmd_fit(args: argparse.Namespace) -> int:
    from .io import read_table
    from .registry import make

    data = read_table(args.data)
    metadata = _read_json_file(args.metadata, "metadata") if args.metadata else None
    params = dict(_parse_param(p) for p in args.param)
    if args.constraints:
        from .schema.constraints import read_constraints

        params["constraints"] = read_constraints(args.constraints)
    synth = make(args.synthesizer, **params)
    is_sequence = _is_sequence_model(synth)
    if is_sequence != (args.sequence_key is not None and args.sequence_index is not None):
        raise InvalidParameterError(
            f"{type(synth).__name__} is a {'sequence' if is_sequence else 'table'} synthesizer: "
            + ("give --sequence-key and --sequence-index." if is_sequence
               else "--sequence-key, --sequence-index and --context apply only to sequence synthesizers.")
        )
    started = time.perf_counter()
    if is_sequence:
        data = _parse_index(data, args.sequence_index)
        synth.fit(data, sequence_key=args.sequence_key, sequence_index=args.sequence_index,
                  context_columns=args.context, metadata=metadata)
    else:
        synth.fit(data, metadata=metadata)
    synth.save(args.output)
    print(f"Fitted {type(synth).__name__} on {len(data):,} rows x {data.shape[1]} columns in "
          f"{time.perf_counter() - started:.1f} s; model written to {args.output}")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    """Print the detected metadata: one line per column, personal-data columns marked."""
    from .io import read_table
    from .schema import Metadata
    from .schema.pii import is_pii

    data = read_table(args.data)
    metadata = Metadata.detect(data)
    width = max((len(str(c)) for c in data.columns), default=0)
    print(f"{args.data}: {len(data):,} rows x {data.shape[1]} columns")
    for name, spec in metadata.columns.items():
        options = {k: v for k, v in spec.items() if k not in ("sdtype", "pii")}
        mark = "  PII: generated fresh, never copied" if is_pii(spec) else ""
        extra = f"  {options}" if options else ""
        print(f"  {name!s:<{width}}  {spec['sdtype']:<18}{mark}{extra}")
    personal = [n for n, spec in metadata.columns.items() if is_pii(spec)]
    print(f"personal-data columns: {', '.join(personal) if personal else 'none detected'}")
    return 0


def _cmd_detect_constraints(args: argparse.Namespace) -> int:
    """Print the rules that hold in every row, ranked; write them as JSON for ``fit --constraints``."""
    from .io import read_table
    from .schema.rule_detection import detect_constraints

    found = detect_constraints(read_table(args.data), details=True)
    print(f"{args.data}: {len(found)} rules hold in every row and would not by chance"
          + (f" ({int((~found.kept).sum())} left out: they clash with a stronger rule)" if len(found) else ""))
    for row in found.itertuples(index=False):
        note = "" if row.kept else "  (left out)"
        print(f"  {row.constraint!r}  rows {row.rows:,}, chance 1e{row.log10_chance:.0f}{note}")
    if args.output:
        rules = [rule.to_dict() for rule, keep in zip(found.constraint, found.kept) if keep]
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(rules, handle, indent=1)
        print(f"{len(rules)} rules written to {args.output}: pass them back with 'tabsynth fit ... "
              f"--constraints {args.output}'")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from .io import table_format, write_table
    from .registry import load

    table_format(args.output)  # refuse a bad extension before any work
    synth = load(args.model)
    started = time.perf_counter()
    if _is_sequence_model(synth) or args.sequences is not None:
        return _sample_sequences(synth, args, started)
    if args.rows is None:
        raise InvalidParameterError("Give --rows N: how many rows to sample.")
    conditions = _parse_conditions(args.conditions)
    if conditions is not None:
        write_table(synth.sample(args.rows, conditions=conditions, random_state=args.seed), args.output)
    elif hasattr(synth, "sample_to_file"):
        synth.sample_to_file(args.output, args.rows, random_state=args.seed)
    else:
        write_table(synth.sample(args.rows, random_state=args.seed), args.output)
    print(f"Wrote {args.rows:,} rows to {args.output} in {time.perf_counter() - started:.1f} s")
    return 0


def _parse_index(data, column: str):
    """A CSV holds datetimes as text: parse an index column of ISO strings back to datetimes."""
    import pandas as pd

    if column in data.columns and data[column].dtype == object:
        try:
            return data.assign(**{column: pd.to_datetime(data[column], format="ISO8601")})
        except (ValueError, TypeError):
            return data
    return data


def _is_sequence_model(synth) -> bool:
    from .synthesizers.sequence import SequenceSynthesizer

    return isinstance(synth, SequenceSynthesizer)


def _sample_sequences(synth, args: argparse.Namespace, started: float) -> int:
    from .io import write_table

    if not _is_sequence_model(synth):
        raise InvalidParameterError(f"{args.model} holds a table synthesizer: use --rows N, not --sequences.")
    if args.sequences is None:
        raise InvalidParameterError("Give --sequences N: how many sequences to sample from a sequence model.")
    if args.conditions:
        raise InvalidParameterError("--conditions apply to table models; a sequence model's sequences are drawn "
                                    "from its context model (use the Python API's sample(context=...)).")
    fake = synth.sample(args.sequences, random_state=args.seed)
    write_table(fake, args.output)
    print(f"Wrote {args.sequences:,} sequences ({len(fake):,} rows) to {args.output} in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from .benchmarking import run_suite

    tables = [_own_table(args)] if args.data else None
    result = run_suite(args.output, quick=args.quick, datasets=args.datasets, synthesizers=args.synthesizers,
                       seeds=args.seeds, timeout=args.timeout, neural_datasets=args.neural_datasets,
                       threads=args.threads, progress=not args.no_progress, log=args.log, tables=tables)
    files = result["files"]
    print(files["markdown"].read_text(encoding="utf-8"))
    print(f"Wrote {files['markdown']}, {files['json']} and {len(files['plots'])} plots")
    return 0


def _own_table(args: argparse.Namespace):
    """The user's ``--data`` (and ``--holdout``) as a benchmark data set, checked."""
    from pathlib import Path

    from .benchmarking import BenchmarkDataset
    from .io import read_table

    if args.datasets:
        raise InvalidParameterError("Pass either --data (your table) or --datasets (bundled tables), not both.")
    data = read_table(args.data)
    holdout = read_table(args.holdout) if args.holdout else None
    if args.target is not None and args.target not in data.columns:
        raise InvalidParameterError(f"--target {args.target!r} is not a column of {args.data}. Its columns: "
                                    f"{list(data.columns)}.")
    if holdout is not None and list(holdout.columns) != list(data.columns):
        raise InvalidParameterError(f"--holdout {args.holdout} must have the columns of --data, in order. "
                                    f"Got {list(holdout.columns)}, expected {list(data.columns)}.")
    cap = 2_000 if args.quick else None
    return BenchmarkDataset(Path(args.data).name.split(".")[0], target=args.target, fit=data, holdout=holdout,
                            max_fit_rows=cap, max_holdout_rows=cap)


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
    fit.add_argument("--constraints", default=None, metavar="FILE",
                     help="JSON list of rules every sampled row obeys (as 'tabsynth detect-constraints' writes)")
    fit.add_argument("--metadata", default=None, metavar="FILE",
                     help="column sdtypes as JSON (the SDV dict; may describe only some columns, the rest detected)")
    fit.add_argument("--sequence-key", default=None, help="sequences: column naming the entity of a row")
    fit.add_argument("--sequence-index", default=None, help="sequences: column ordering an entity's rows")
    fit.add_argument("--context", action="append", default=[], metavar="COLUMN",
                     help="sequences: a column constant within an entity (repeatable)")
    fit.set_defaults(handler=_cmd_fit)

    sample = commands.add_parser("sample", help="sample rows from a saved model to .csv or .parquet")
    sample.add_argument("model", help="a model file written by 'tabsynth fit'")
    sample.add_argument("--rows", type=_rows, default=None, help="number of rows (table models)")
    sample.add_argument("--sequences", type=_rows, default=None, help="number of sequences (sequence models)")
    sample.add_argument("--output", required=True, help="output file (.csv or .parquet)")
    sample.add_argument("--seed", type=int, default=None, help="fixed seed: the same seed gives the same rows")
    sample.add_argument("--conditions", action="append", default=[], metavar="COL=VALUE|JSON",
                        help="table models: the same value of a column on every row (repeatable), or a JSON object")
    sample.set_defaults(handler=_cmd_sample)

    inspect = commands.add_parser("inspect", help="print the detected metadata of a table (PII columns marked)")
    inspect.add_argument("data", help="the table (.csv, .csv.gz or .parquet)")
    inspect.set_defaults(handler=_cmd_inspect)

    detect = commands.add_parser("detect-constraints", help="propose the rules that hold in every row of a table")
    detect.add_argument("data", help="the table (.csv, .csv.gz or .parquet)")
    detect.add_argument("--output", default=None, metavar="FILE", help="write the kept rules as JSON")
    detect.set_defaults(handler=_cmd_detect_constraints)

    demo = commands.add_parser("demo", help="fit on bundled Adult, sample, print a fidelity summary")
    demo.add_argument("--synthesizer", default="bayesian_network", help="registry name (default bayesian_network)")
    demo.add_argument("--rows", type=_rows, default=None, help="rows to sample (default: as many as the data)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(handler=_cmd_demo)

    _add_benchmark_command(commands)
    _add_optional_commands(commands)
    return parser


def _add_benchmark_command(commands) -> None:
    bench = commands.add_parser("benchmark", help="benchmark synthesizers on the bundled tables or yours "
                                "(several seeds)")
    bench.add_argument("--data", default=None, metavar="FILE",
                       help="your table (.csv, .csv.gz or .parquet) instead of the bundled ones")
    bench.add_argument("--target", default=None, metavar="COL", help="with --data: the column the utility "
                       "scores predict (default: no utility)")
    bench.add_argument("--holdout", default=None, metavar="FILE",
                       help="with --data: real rows kept out of fitting (default: a seeded 25 %% of --data)")
    bench.add_argument("--datasets", nargs="+", default=None, metavar="NAME",
                       help="bundled tables (default: adult flights movies gss_wages)")
    bench.add_argument("--synthesizers", nargs="+", default=None, metavar="NAME",
                       help="registry names (default: every table synthesizer)")
    bench.add_argument("--seeds", type=_rows, default=None, help="number of seeds (default 3; 1 with --quick)")
    bench.add_argument("--quick", action="store_true", help="smoke run: small Adult subsample, 2 models, 1 seed")
    bench.add_argument("--output", default="benchmark-results", help="results directory")
    bench.add_argument("--timeout", type=float, default=1800, help="seconds per run before it is stopped")
    bench.add_argument("--neural-datasets", nargs="+", default=None, metavar="NAME",
                       help="run CTGAN/TVAE only on these tables (slow on CPU)")
    bench.add_argument("--threads", type=_rows, default=1, help="threads per run (default 1: stable timings)")
    bench.add_argument("--log", default=None, help="append each run's record to this JSON-lines file")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(handler=_cmd_benchmark)


def _add_optional_commands(commands) -> None:
    """Subcommands owned by other modules (kept out of the import path until used)."""
    try:
        from .evaluation.cli import add_evaluate_command
    except ImportError:
        return
    evaluate = add_evaluate_command(commands)
    _add_sequence_evaluate_options(evaluate)


def _add_sequence_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """``tabsynth evaluate`` learns --sequence-key/--sequence-index: then sequence metrics are computed."""
    parser.add_argument("--sequence-key", default=None, help="sequences: the entity column")
    parser.add_argument("--sequence-index", default=None, help="sequences: the ordering column")
    parser.add_argument("--context", action="append", default=[], metavar="COLUMN",
                        help="sequences: a context column (repeatable)")
    parser.add_argument("--window", type=_rows, default=None, help="sequences: compare windows of N rows")
    table_handler = parser.get_default("handler")

    def handler(args: argparse.Namespace) -> int:
        if args.sequence_key is None and args.sequence_index is None:
            return table_handler(args)
        return _evaluate_sequences(args)

    parser.set_defaults(handler=handler, func=handler)


def _evaluate_sequences(args: argparse.Namespace) -> int:
    from .evaluation.sequence_report import evaluate_sequences
    from .io import read_table

    if args.sequence_key is None or args.sequence_index is None:
        raise InvalidParameterError("Sequence evaluation needs both --sequence-key and --sequence-index.")
    holdout = read_table(args.holdout) if args.holdout else None
    report = evaluate_sequences(read_table(args.real), read_table(args.synthetic), sequence_key=args.sequence_key,
                                sequence_index=args.sequence_index, context_columns=args.context,
                                holdout=holdout, window=args.window, random_state=args.seed)
    print(report.summary())
    if args.json:
        report.to_json(args.json)
    if args.html:
        report.to_html(args.html)
    return 0


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
