"""Past one machine: sample with Dask, an existing distributed engine.

Fitting: ``BayesianNetworkSynthesizer().fit(dask_frame)`` learns from a Dask DataFrame larger than
memory, its counts summed over partitions (see :mod:`tabsynth.synthesizers.bayesian_network._dask`).

``tabsynth.dask.sample`` splits a sample into row ranges, one per partition. Every partition
generates its rows from the synthesizer's fixed internal blocks, block ``b`` seeded by
``SeedSequence(seed, spawn_key=(b,))`` (independent streams spawned from one seed sequence), so the
result does not depend on ``npartitions`` at all: it equals ``synth.sample(num_rows,
random_state=seed)``, generated ids included. Workers receive the fitted synthesizer through
Dask's own serialization (in memory, between your processes; model *files* never use pickle).
"""

from __future__ import annotations

import itertools
import uuid

import numpy as np

from .validation import check_int, check_num_rows, check_random_state, import_optional


def _import_dask():
    return (import_optional("dask", "tabsynth.dask", "dask"),
            import_optional("dask.dataframe", "tabsynth.dask", "dask"))


def sample(synth, num_rows: int, *, npartitions: int, random_state: int | None = None):
    """A lazy Dask DataFrame of ``num_rows`` synthetic rows in ``npartitions`` partitions.

    Parameters
    ----------
    synth : Synthesizer
        A fitted table synthesizer.
    num_rows : int
        Total rows.
    npartitions : int
        Partitions (row ranges of near-equal size), computed in parallel by the active scheduler.
    random_state : int, optional
        The stream; without it one seed is drawn from the synthesizer's own generator (advancing it).

    Returns
    -------
    dask.dataframe.DataFrame
        Call ``.compute()`` or ``.to_parquet(path)`` (writes the partitions in parallel).

    Examples
    --------
    >>> from dask.distributed import Client                                  # doctest: +SKIP
    >>> client = Client(n_workers=2)                                          # doctest: +SKIP
    >>> frame = tabsynth.dask.sample(synth, 10_000_000, npartitions=40, random_state=0)  # doctest: +SKIP
    >>> frame.to_parquet("synthetic/")                                        # doctest: +SKIP
    """
    dask, dd = _import_dask()
    synth._check_is_fitted()
    num_rows = check_num_rows(num_rows)
    npartitions = min(check_int(npartitions, "tabsynth.dask.sample", "npartitions"), num_rows)
    random_state = check_random_state(random_state, "tabsynth.dask.sample")
    seed = synth._sampling_seed(random_state)
    bounds = np.linspace(0, num_rows, npartitions + 1).astype(np.int64)
    meta = synth.sample_rows(0, 1, seed).iloc[:0]
    model = dask.delayed(synth, name=f"tabsynth-model-{uuid.uuid4().hex}")  # one graph key: sent once per worker
    parts = [dask.delayed(_rows)(model, int(lo), int(hi), seed) for lo, hi in itertools.pairwise(bounds)]
    # Dask turns object columns into pyarrow strings by default; tabsynth promises the input's dtypes.
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _rows(synth, start: int, stop: int, seed: int):
    return synth.sample_rows(start, stop, seed)
