from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def adult():
    import tabsynth

    return tabsynth.datasets.load_adult()


@pytest.fixture(scope="module")
def client():
    """A two-worker ``distributed.LocalCluster`` (one thread each) for the Dask tests of a module."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client
