"""One progress bar for every long loop (fit epochs, chunked sampling, benchmark runs)."""

from __future__ import annotations


def progress(iterable, enabled: bool, description: str, unit: str = "it"):
    """``iterable`` wrapped in a tqdm bar when ``enabled``, else unchanged (tqdm is imported only then)."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description, unit=unit)
