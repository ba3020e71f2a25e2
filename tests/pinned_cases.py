"""Small, fast fits of every registered synthesizer whose sampled rows are pinned (tests/test_pinned.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import tabsynth


@dataclass(frozen=True)
class Case:
    data: str
    params: dict = field(default_factory=dict)
    rows: int = 500
    sequence: bool = False

    def load(self):
        if self.data == "adult":
            return tabsynth.datasets.load_adult().iloc[:1500].reset_index(drop=True)
        return tabsynth.datasets.load_gapminder()

    def sample(self, synth):
        if self.sequence:
            return synth.sample(num_sequences=20, random_state=7)
        return synth.sample(self.rows, random_state=7)


CASES = {
    "bayesian_network": Case("adult"),
    "bayesian_network_table": Case("adult", {"conditionals": "table"}),
    "gaussian_copula": Case("adult"),
    "ctgan": Case("adult", {"epochs": 3, "batch_size": 100, "embedding_dim": 16, "generator_dim": (32, 32),
                             "discriminator_dim": (32, 32), "device": "cpu", "validation_fraction": None}),
    "tvae": Case("adult", {"epochs": 3, "batch_size": 100, "embedding_dim": 16, "compress_dims": (32, 32),
                           "decompress_dims": (32, 32), "device": "cpu", "validation_fraction": None}),
    # the chain of 0.1.0 is conditionals="table"; the default ("auto") chooses trees where they predict better
    "markov_chain": Case("gapminder", {"conditionals": "table"}, sequence=True),
}


def fit_case(name: str):
    case = CASES[name]
    registry_name = name.removesuffix("_table")
    synth = tabsynth.make(registry_name, random_state=0, **case.params)
    data = case.load()
    if case.sequence:
        return synth.fit(data, sequence_key="country", sequence_index="year", context_columns=["continent"])
    return synth.fit(data)
