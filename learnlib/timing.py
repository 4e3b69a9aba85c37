"""Timing PyTorch code fairly (taught in notebook 06): warm-up, device sync, medians with spread, first calls apart.

Built on `torch.utils.benchmark`, which synchronises CUDA around its measurements and picks how many runs
make a reliable block. The helpers here add what comparing eager and `torch.compile`d code needs: the
first (compiling) call timed on its own, eager and candidate timed in alternation in the same process
(timings on a shared machine drift between processes and over minutes), an output check, and the number
of calls after which compiling has paid for itself.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils.benchmark import Measurement, Timer


def _synchronize() -> None:
    # Kernels on a GPU run asynchronously: wait for them, or a timer measures only the launch.
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    mps = getattr(torch, "mps", None)
    if mps is not None and torch.backends.mps.is_available():
        mps.synchronize()


def _check_timing_args(fn: Callable, min_run_time: float, warmup: int) -> None:
    if not callable(fn):
        raise TypeError(f"Expected a callable to time, got {type(fn).__name__}. Pass the function, not its result.")
    if not min_run_time > 0:
        raise ValueError(f"min_run_time must be > 0 seconds, got {min_run_time}.")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}.")


def time_fn(fn: Callable, *args, warmup: int = 3, min_run_time: float = 0.2, label: str = "") -> Measurement:
    """Time `fn(*args)` after `warmup` untimed calls; return a torch.utils.benchmark Measurement.

    The Measurement holds per-call times in seconds: `.median`, `.iqr` (interquartile range), `.times`.
    """
    _check_timing_args(fn, min_run_time, warmup)
    for _ in range(warmup):
        fn(*args)
    _synchronize()
    timer = Timer(stmt="fn(*args)", globals={"fn": fn, "args": args}, label=label or getattr(fn, "__name__", "fn"),
                  num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time)


def _timed_call(fn: Callable, *args) -> tuple[float, object]:
    _synchronize()
    start = time.perf_counter()
    out = fn(*args)
    _synchronize()
    return time.perf_counter() - start, out


def time_first_call(fn: Callable, *args) -> float:
    """Time one call of `fn(*args)` in seconds, synchronised: for a compiled function, the compiling call."""
    if not callable(fn):
        raise TypeError(f"Expected a callable to time, got {type(fn).__name__}. Pass the function, not its result.")
    return _timed_call(fn, *args)[0]


def break_even(first_call_s: float, baseline_s: float, candidate_s: float) -> float:
    """Return after how many calls a candidate with a slow first call beats the baseline in total time.

    The candidate's first call costs `first_call_s` (compiling), each later call `candidate_s`; every
    baseline call costs `baseline_s`. Returns the smallest n with first + (n - 1) * candidate <= n * baseline,
    1 if the first call is already no slower, and math.inf if the candidate is not faster per call.
    """
    for name, value in [("first_call_s", first_call_s), ("baseline_s", baseline_s), ("candidate_s", candidate_s)]:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}.")
    if first_call_s <= baseline_s:
        return 1
    gain = baseline_s - candidate_s  # seconds saved per call after the first
    if gain <= 0:
        return math.inf
    return math.ceil((first_call_s - candidate_s) / gain)


@dataclass(frozen=True)
class Comparison:
    """Result of `compare`: pooled Measurements of both callables, and the median of each round."""

    baseline: Measurement  # every timed call of all rounds, pooled
    candidate: Measurement
    baseline_rounds: tuple[float, ...]  # median seconds per call, one per interleaved round
    candidate_rounds: tuple[float, ...]
    first_call_s: float  # the candidate's first call, e.g. compiling

    @property
    def baseline_s(self) -> float:
        """Typical seconds per baseline call: the median of the round medians (robust to one bad round)."""
        return statistics.median(self.baseline_rounds)

    @property
    def candidate_s(self) -> float:
        """Typical seconds per candidate call: the median of the round medians."""
        return statistics.median(self.candidate_rounds)

    @property
    def speedups(self) -> tuple[float, ...]:
        """Baseline time / candidate time of each round (> 1: the candidate is faster)."""
        return tuple(b / c for b, c in zip(self.baseline_rounds, self.candidate_rounds, strict=True))

    @property
    def speedup(self) -> float:
        """Median over rounds of baseline time / candidate time (> 1: the candidate is faster)."""
        return statistics.median(self.speedups)

    @property
    def break_even(self) -> float:
        """Calls after which the candidate's slow first call has paid for itself (math.inf: never)."""
        return break_even(self.first_call_s, self.baseline_s, self.candidate_s)


def compare(baseline: Callable, candidate: Callable, *args, rounds: int = 5, min_run_time: float = 0.2,
            warmup: int = 3, check: bool = True, rtol: float | None = None, atol: float | None = None) -> Comparison:
    """Time `baseline(*args)` and `candidate(*args)` in alternating rounds; return a Comparison.

    The candidate's first call is timed on its own (call `compare` before any other call of a compiled
    function to include its compilation). With `check`, the two first outputs must agree
    (torch.testing.assert_close with `rtol`/`atol`, its dtype-based defaults if None). Callables that
    change state (a training step) should start from identical copies, so that their first outputs agree.
    """
    _check_timing_args(baseline, min_run_time, warmup)
    _check_timing_args(candidate, min_run_time, warmup)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an integer >= 1, got {rounds!r}.")
    if (rtol is None) != (atol is None):
        raise ValueError("Give both rtol and atol, or neither (then assert_close picks them by dtype).")
    first_call_s, actual = _timed_call(candidate, *args)
    if check:
        expected = baseline(*args)
        torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol,
                                   msg=lambda m: f"compare: the candidate's output differs from the baseline's. {m}")
    base, cand = [], []
    for _ in range(rounds):  # alternate, so that drift in the machine's speed hits both alike
        base.append(time_fn(baseline, *args, warmup=warmup, min_run_time=min_run_time, label="baseline"))
        cand.append(time_fn(candidate, *args, warmup=warmup, min_run_time=min_run_time, label="candidate"))
        warmup = 0  # both are warm after the first round
    (base_all,), (cand_all,) = Measurement.merge(base), Measurement.merge(cand)
    return Comparison(base_all, cand_all, tuple(m.median for m in base), tuple(m.median for m in cand), first_call_s)
