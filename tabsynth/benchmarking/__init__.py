"""Benchmark synthesizers on real data: every synthesizer x data set x seed, each in its own process.

A *cell* fits one synthesizer on one data set's fit rows with one seed, samples as many rows, and scores
them with :func:`tabsynth.evaluate` against the real fit rows and the holdout (rows the synthesizer never
saw). It runs in a fresh ``spawn`` process, so its peak memory is its own and a timeout can stop it; a cell
that fails or times out is recorded with its error and the others go on. Two reference rows per data set
place the numbers: the *ceiling* (half of the holdout scored as if it were synthetic, the other half as the
holdout: what a fresh real sample achieves) and the *floor* (every column sampled on its own from its real
marginal).

Anything with ``fit(DataFrame)`` and ``sample(n) -> DataFrame`` can be benchmarked (the adapter):

- a registry name (``"bayesian_network"``) or ``(name, params)`` (``("ctgan", {"epochs": 30})``);
- an instance: each cell gets its own copy (through pickle); if it has ``get_params``/``set_params`` and a
  ``random_state`` parameter, the cell's seed is set;
- a factory (a class or a module-level function): called as ``factory(random_state=seed)`` when it takes
  ``random_state``, else ``factory()``; ``(factory, params)`` adds keyword arguments.

Give a dict ``{label: spec}`` to name them. Instances and factories must be picklable (defined at module
level, not inside a function or notebook cell that a fresh process cannot import).

Examples
--------
>>> import tabsynth
>>> runs = tabsynth.benchmark(["gaussian_copula", "bayesian_network"], ["adult"], seeds=3)  # doctest: +SKIP
>>> summarize(runs)                                                                      # doctest: +SKIP
>>> compare(runs, "bayesian_network", "gaussian_copula", "quality")                      # doctest: +SKIP
"""

from ._cells import CEILING, FLOOR, BenchmarkDataset, IndependentMarginals
from ._stats import METRICS, compare, summarize
from ._suite import benchmark, run_suite, standard_datasets, standard_synthesizers, write_results

__all__ = [
    "CEILING",
    "FLOOR",
    "METRICS",
    "BenchmarkDataset",
    "IndependentMarginals",
    "benchmark",
    "compare",
    "run_suite",
    "standard_datasets",
    "standard_synthesizers",
    "summarize",
    "write_results",
]
