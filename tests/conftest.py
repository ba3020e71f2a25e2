from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def adult():
    import tabsynth

    return tabsynth.datasets.load_adult()
