"""One progress bar for every long loop (fit epochs, chunked sampling, benchmark runs)."""

from __future__ import annotations


def progress(iterable, enabled: bool, description: str, unit: str = "it"):
    """``iterable`` wrapped in a tqdm bar when ``enabled``, else unchanged (tqdm is imported only then)."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description, unit=unit)


class Stages:
    """A bar over the named stages of one fit (structure search, tables, trees...), or nothing when disabled."""

    def __init__(self, enabled: bool, description: str, total: int):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=description, unit="stage")

    def done(self, name: str) -> None:
        """Mark stage ``name`` finished (the last one closes the bar)."""
        if self.bar is None:
            return
        self.bar.set_postfix_str(name)
        self.bar.update()
        if self.bar.n >= self.bar.total:
            self.bar.close()
