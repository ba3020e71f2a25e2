"""Personal data on Adult (issue 23): leaks, sampling rate and fidelity with two PII columns added.

Adult's training rows get a unique ``email`` and a ``phone`` (Faker, seeded) as a customer table would
have them. For every table synthesizer, fitted with detected metadata and with the SDV-style declared
metadata, 100,000 rows are sampled and every PII value is looked up in the real column (target: 0
found). The sampling rate is timed for the Bayesian network with and without the PII columns
(interleaved, best of 3), and the fidelity of the other columns (tabsynth's sdmetrics-equal quality
score) is compared with the same fit without the PII columns. Writes benchmarks/results/pii.json.

Run:  python benchmarks/pii.py  [--rows 100000] [--neural-epochs 1]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd
from faker import Faker

import tabsynth

RESULTS = Path(__file__).resolve().parent / "results" / "pii.json"
PII = ("email", "phone")
TABLE_SYNTHESIZERS = ("bayesian_network", "gaussian_copula", "ctgan", "tvae")


def adult_with_pii() -> pd.DataFrame:
    real = tabsynth.datasets.load_adult()
    faker = Faker("en_US")
    faker.seed_instance(0)
    emails = [faker.unique.email() for _ in range(len(real))]
    phones = [faker.phone_number() for _ in range(len(real))]
    return real.assign(email=emails, phone=phones)


def declared(data: pd.DataFrame) -> dict:
    md = tabsynth.Metadata.detect(data.drop(columns=list(PII))).to_dict()
    md["columns"].update({"email": {"sdtype": "email", "pii": True}, "phone": {"sdtype": "phone_number", "pii": True}})
    return md


def leaks(data: pd.DataFrame, rows: int, epochs: int) -> list[dict]:
    out = []
    for name in TABLE_SYNTHESIZERS:
        params = {"epochs": epochs, "device": "cpu"} if name in ("ctgan", "tvae") else {}
        for how, metadata in (("detected", None), ("declared", declared(data))):
            synth = tabsynth.make(name, random_state=0, **params).fit(data, metadata=metadata)
            fake = synth.sample(rows, random_state=1)
            found = {c: int(fake[c].isin(set(data[c])).sum()) for c in PII}
            out.append({"synthesizer": name, "metadata": how, "rows": rows, "real_values_found": found,
                        "pii_columns": [c for c in PII if synth.metadata_.columns[c].get("pii")]})
            print(f"{name:18s} {how:9s} real PII values in {rows:,} rows: {found}", flush=True)
    return out


def rate_and_fidelity(data: pd.DataFrame, rows: int) -> dict:
    plain = data.drop(columns=list(PII))
    models = {"with_pii": tabsynth.make("bayesian_network", random_state=0).fit(data),
              "without_pii": tabsynth.make("bayesian_network", random_state=0).fit(plain)}
    times = {label: [] for label in models}
    for _ in range(3):  # interleaved: machine load hits both alike
        for label, synth in models.items():
            start = time.perf_counter()
            synth.sample(rows, random_state=2)
            times[label].append(time.perf_counter() - start)
    samples = {label: synth.sample(rows, random_state=2)[list(plain.columns)] for label, synth in models.items()}
    quality = {label: tabsynth.evaluate(plain, frame).scores["score"] for label, frame in samples.items()}
    return {"rows": rows, "rows_per_second": {k: rows / min(v) for k, v in times.items()},
            "quality_other_columns": quality,
            "same_other_columns": bool(samples["with_pii"].equals(samples["without_pii"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--neural-epochs", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = adult_with_pii()
    result = {"leaks": leaks(data, args.rows, args.neural_epochs), "bayesian_network": rate_and_fidelity(data, args.rows)}
    speed = result["bayesian_network"]
    print(f"sampling {args.rows:,} rows: {speed['rows_per_second']['with_pii']:,.0f} rows/s with the PII columns, "
          f"{speed['rows_per_second']['without_pii']:,.0f} without; quality of the other columns "
          f"{speed['quality_other_columns']}; other columns identical: {speed['same_other_columns']}")
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
