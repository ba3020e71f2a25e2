"""tabsynth.dask on a real distributed.LocalCluster (two worker processes), small data."""

import pandas as pd
import pytest

import tabsynth
from tabsynth.testing import make_check_data

pytest.importorskip("dask.distributed")
tdask = pytest.importorskip("tabsynth.dask")


@pytest.fixture(scope="module")
def synth():
    return tabsynth.GaussianCopulaSynthesizer(random_state=0).fit(make_check_data())


def test_partitions_equal_the_single_process_stream(client, synth):
    expected = synth.sample(10_000, random_state=4)
    for npartitions in (1, 3, 7):
        frame = tdask.sample(synth, 10_000, npartitions=npartitions, random_state=4)
        assert frame.npartitions == npartitions
        result = frame.compute().reset_index(drop=True)
        pd.testing.assert_frame_equal(result, expected)
    assert expected["key_id"].is_unique


def test_to_parquet_writes_every_row(client, synth, tmp_path):
    tdask.sample(synth, 5_000, npartitions=4, random_state=1).to_parquet(tmp_path / "out")
    written = pd.read_parquet(tmp_path / "out")
    assert len(written) == 5_000 and list(written.columns) == list(make_check_data().columns)


def test_without_seed_the_own_generator_advances(client, synth):
    first = tdask.sample(synth, 100, npartitions=2).compute()
    second = tdask.sample(synth, 100, npartitions=2).compute()
    assert not first.equals(second)


def test_bad_arguments_are_clear(synth):
    with pytest.raises(tabsynth.InvalidParameterError, match="npartitions"):
        tdask.sample(synth, 100, npartitions=0)
    with pytest.raises(tabsynth.NotFittedError):
        tdask.sample(tabsynth.GaussianCopulaSynthesizer(), 100, npartitions=2)
