"""How many native threads tabsynth's own work uses (OpenMP in gradient boosting, BLAS, torch).

Native thread pools start one thread per core and, between parallel regions, spin while they wait for each
other. With another CPU-bound process on one of two cores, every parallel region waits for the thread the
other process has pushed off its core: a report on a 344-row table took 2.0 s instead of 0.5-0.7 s here, the
Adult report 9.9-10.8 s instead of 4.8 s (``benchmarks/busy_machine.py``). One thread per *idle* core avoids
that: the default (``n_jobs=None``) counts the other runnable tasks the kernel reports (Linux
``/proc/loadavg``; elsewhere every core is taken as idle) and uses the cores they leave, at least one.

Torch is the exception: its reductions split work by thread, so the same seed trains a different network
with 1 thread than with 2 (CTGAN on 2,000 rows: the rare class at 18.9 % of the rows against 24.0 %). A
count taken from the load would make a model depend on what else ran; torch work therefore gets a fixed
default, half the cores (at least one), which leaves room for one other process without spinning.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from contextlib import contextmanager
from numbers import Integral

from .errors import InvalidParameterError

_READS = 3            # /proc/loadavg samples, the smallest count kept (our own spinning threads come and go)
_READ_GAP_S = 0.002
_active = threading.local()  # inside a bounded call: nested calls (a sample inside a fit) keep its bound


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def other_runnable() -> int:
    """Tasks other than this thread that are ready to run now (0 where the kernel does not say)."""
    counts = []
    for _ in range(_READS):
        try:
            with open("/proc/loadavg") as file:
                counts.append(int(file.read().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return 0
        time.sleep(_READ_GAP_S)
    return max(0, min(counts) - 1)  # the count includes the thread reading it


def valid(n_jobs) -> bool:
    """None, -1 or a positive int."""
    return n_jobs is None or (isinstance(n_jobs, Integral) and not isinstance(n_jobs, bool)
                              and (n_jobs >= 1 or n_jobs == -1))


def resolve(n_jobs, owner: str = "n_jobs", reproducible: bool = False) -> int:
    """Threads for ``n_jobs``: None = the idle cores (at least 1), or half the cores when ``reproducible``
    (results that depend on the thread count must not depend on the load); -1 = every core; k >= 1 = k."""
    if n_jobs is None:
        return max(1, cores() // 2) if reproducible else max(1, cores() - other_runnable())
    if not valid(n_jobs):
        raise InvalidParameterError(
            f"{owner} must be None (the idle cores), -1 (every core) or a positive int. Got {n_jobs!r}.")
    return cores() if n_jobs == -1 else int(n_jobs)


@contextmanager
def thread_limit(n_jobs=None, owner: str = "n_jobs", uses_torch: bool = False):
    """Run the block with at most ``resolve(n_jobs)`` native threads per pool (OpenMP, BLAS, and torch when
    ``uses_torch`` or already imported; torch work gets a load-independent default, see the module
    docstring). Inside another bounded block, the outer bound stays."""
    if getattr(_active, "depth", 0):
        _active.depth += 1
        try:
            yield None
        finally:
            _active.depth -= 1
        return
    from threadpoolctl import threadpool_limits

    threads = resolve(n_jobs, owner, reproducible=uses_torch)
    if uses_torch:
        import torch  # its pool is bounded below
    torch = sys.modules.get("torch")  # a torch nobody imported is not imported here
    before = torch.get_num_threads() if torch is not None else None
    _active.depth = 1
    try:
        with threadpool_limits(limits=threads):
            if torch is not None:
                torch.set_num_threads(threads)
            yield threads
    finally:
        _active.depth = 0
        if torch is not None:
            torch.set_num_threads(before)


def bounded(method):
    """Decorate a synthesizer method so it runs under ``thread_limit(self.n_jobs)``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        n_jobs = getattr(self, "n_jobs", None)
        if not valid(n_jobs):  # the method's parameter check says so, in the words every parameter gets
            return method(self, *args, **kwargs)
        with thread_limit(n_jobs, type(self).__name__, getattr(self, "_uses_torch", False)):
            return method(self, *args, **kwargs)

    return wrapper
