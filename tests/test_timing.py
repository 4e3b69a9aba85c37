import math
import time

import pytest
import torch
from torch.utils.benchmark import Measurement

from learnlib.timing import Comparison, break_even, compare, time_first_call, time_fn


def test_time_fn_measures_a_known_sleep():
    calls = []

    def nap():
        calls.append(1)
        time.sleep(0.002)

    m = time_fn(nap, warmup=2, min_run_time=0.05)
    assert isinstance(m, Measurement)
    # sleep(2 ms) takes at least 2 ms; a busy machine only makes it longer, so no upper bound is asserted.
    assert m.median >= 0.0019 and all(t >= 0.0019 for t in m.times)
    assert m.iqr >= 0 and len(m.times) >= 1
    assert len(calls) >= 2 + 1  # the warm-up calls happened, and at least one timed call


def test_time_fn_passes_arguments():
    seen = []
    time_fn(lambda a, b: seen.append((a, b)), 1, 2, warmup=0, min_run_time=0.01)
    assert seen and set(seen) == {(1, 2)}


def test_time_first_call_times_one_call():
    calls = []

    def slow_once():
        calls.append(1)
        time.sleep(0.05 if len(calls) == 1 else 0)

    assert time_first_call(slow_once) >= 0.05
    assert len(calls) == 1


@pytest.mark.parametrize("first, base, cand, expected", [
    (10.0, 1.0, 0.5, 19),  # 10 + 0.5 * (n - 1) <= n  ->  n >= 19
    (1.0, 1.0, 0.5, 1),  # the first call is no slower: pays at once
    (3.0, 1.0, 1.0, math.inf),  # no gain per call: never
    (3.0, 1.0, 2.0, math.inf),  # slower per call: never
])
def test_break_even_known_values(first, base, cand, expected):
    assert break_even(first, base, cand) == expected


def test_break_even_is_the_first_call_count_that_pays():
    first, base, cand = 7.3, 0.9, 0.35
    n = break_even(first, base, cand)
    assert first + (n - 1) * cand <= n * base
    assert first + (n - 2) * cand > (n - 1) * base


@pytest.mark.parametrize("args", [(-1.0, 1.0, 0.5), (1.0, float("nan"), 0.5), (1.0, 1.0, "0.5")])
def test_break_even_rejects_bad_times(args):
    with pytest.raises(ValueError, match="finite number of seconds"):
        break_even(*args)


def test_compare_finds_the_faster_callable_and_checks_outputs():
    x = torch.arange(6.0)

    def slow(t):
        time.sleep(0.02)
        return t * 2

    def fast(t):
        return t + t

    result = compare(slow, fast, x, rounds=3, min_run_time=0.06, warmup=1)
    assert isinstance(result, Comparison)
    assert len(result.speedups) == 3
    # The slow side sleeps 20 ms, the fast one adds 6 numbers (microseconds): even a machine busy enough to
    # stretch the fast call a hundredfold leaves a speed-up far above 2.
    assert result.speedup > 2
    assert result.baseline.median > result.candidate.median
    assert result.speedups == tuple(b / c for b, c in zip(result.baseline_rounds, result.candidate_rounds, strict=True))
    assert result.speedup == pytest.approx(sorted(result.speedups)[1])  # the median of three rounds
    assert len(result.baseline.times) >= 3  # pooled over the rounds
    assert result.break_even == 1  # no slow first call


def test_compare_times_the_first_call_and_breaks_even():
    calls = []

    def eager(t):
        time.sleep(0.01)
        return t

    def compiled(t):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.2)  # a slow first call, like compiling; later calls do no work
        return t

    result = compare(eager, compiled, torch.ones(2), rounds=2, min_run_time=0.05, warmup=1)
    assert result.first_call_s >= 0.2
    n = result.break_even
    # About 0.2 / 0.01 = 20 calls. Load only lengthens sleeps: a slower first call raises n, a slower eager
    # call lowers it, so only the formula and the direction are asserted, not a wall-clock band.
    assert 1 < n < math.inf
    assert n == break_even(result.first_call_s, result.baseline_s, result.candidate_s)
    assert min(result.baseline_rounds) <= result.baseline_s <= max(result.baseline_rounds)


def test_compare_checks_only_the_first_outputs_of_stateful_callables():
    # A stateful step: the first outputs of identical copies agree although later ones do not.
    def counter(start=0):
        state = {"n": start}

        def step():
            state["n"] += 1
            return torch.tensor(float(state["n"]))
        return step

    result = compare(counter(), counter(), rounds=1, min_run_time=0.01, warmup=0)
    assert isinstance(result, Comparison) and result.first_call_s >= 0
    with pytest.raises(AssertionError, match="differs from the baseline"):  # copies that start apart are caught
        compare(counter(), counter(start=1), rounds=1, min_run_time=0.01, warmup=0)


def test_compare_raises_when_outputs_differ():
    x = torch.ones(3)
    with pytest.raises(AssertionError, match="differs from the baseline"):
        compare(lambda t: t, lambda t: t + 1e-3, x, rounds=1, min_run_time=0.01)
    compare(lambda t: t, lambda t: t + 1e-3, x, rounds=1, min_run_time=0.01, rtol=0, atol=1e-2)
    compare(lambda t: t, lambda t: t + 1, x, rounds=1, min_run_time=0.01, check=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"rounds": 0}, "rounds must be"),
    ({"min_run_time": 0}, "min_run_time must be"),
    ({"warmup": -1}, "warmup must be"),
    ({"rtol": 1e-3}, "both rtol and atol"),
])
def test_compare_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare(lambda: 1, lambda: 1, **kwargs)


def test_timing_a_non_callable_says_so():
    with pytest.raises(TypeError, match="Pass the function, not its result"):
        time_fn(torch.ones(2))
    with pytest.raises(TypeError, match="Pass the function, not its result"):
        time_first_call(3)
