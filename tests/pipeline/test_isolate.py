"""Tests for pipeline.isolate: limits, failure classification and worker reuse."""
from __future__ import annotations

import os
import pickle
import signal
import time
from pathlib import Path
from typing import Callable

import pytest

from pipeline.isolate import Limits, Outcome, WorkerPool, run_isolated
from pipeline.sniff import InputError

FAST = Limits(timeout_s=1.5, memory_mb=1024)


def task(kind: str, arg: float = 0.0) -> object:
    """Module-level (picklable) task doing one thing per `kind`."""
    if kind == "value":
        return {"pid": os.getpid(), "double": arg * 2}
    if kind == "value_error":
        raise ValueError("bad value\nsecond line")
    if kind == "input_error":
        raise InputError("encrypted_needs_password", "encrypted: a password is needed to open it")
    if kind == "sleep":
        time.sleep(arg)
        return os.getpid()
    if kind == "meet":  # arg = (folder, n): wait until n tasks have arrived (proves they run together)
        folder, n = arg
        (folder / str(os.getpid())).touch()
        return os.getpid(), _wait_for(lambda: len(list(folder.iterdir())) >= n)
    if kind == "after":  # wait for the flag file `arg` to exist, then a little longer
        seen = _wait_for(arg.exists)
        time.sleep(0.5)  # so the flagging task has surely been collected first, however loaded the machine
        return seen
    if kind == "flag":
        arg.touch()
        return True
    if kind == "allocate":
        block = bytearray(int(arg) * 2**20)
        return len(block)
    if kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "exit":
        os._exit(3)
    if kind == "unpicklable":
        return lambda: None
    raise AssertionError(kind)


def _wait_for(condition: Callable[[], bool], limit_s: float = 10.0) -> bool:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_returns_value() -> None:
    outcome = run_isolated(task, "value", 21, limits=FAST)
    assert outcome.ok is True
    assert outcome.value["double"] == 42
    assert outcome.value["pid"] != os.getpid()
    assert (outcome.error_code, outcome.error, outcome.traceback) == (None, None, None)
    assert 0 < outcome.seconds < 1.0
    assert 1 < outcome.peak_rss_mb < 1024


def test_python_exception_is_error_with_one_line_message() -> None:
    outcome = run_isolated(task, "value_error", limits=FAST)
    assert (outcome.ok, outcome.value, outcome.error_code) == (False, None, "error")
    assert outcome.error == "ValueError: bad value second line"
    assert "Traceback" in outcome.traceback and 'raise ValueError("bad value' in outcome.traceback


def test_input_error_keeps_reason_code() -> None:
    outcome = run_isolated(task, "input_error", limits=FAST)
    assert outcome.error_code == "encrypted_needs_password"
    assert outcome.error == "encrypted: a password is needed to open it"


def test_timeout_kills_worker() -> None:
    start = time.monotonic()
    outcome = run_isolated(task, "sleep", 30, limits=Limits(timeout_s=1.0))
    assert (outcome.ok, outcome.error_code, outcome.error) == (False, "timeout", "timed out after 1 s")
    assert 1.0 <= outcome.seconds < 3.0
    assert time.monotonic() - start < 10.0


def test_memory_limit() -> None:
    outcome = run_isolated(task, "allocate", 1024, limits=Limits(timeout_s=10, memory_mb=300))
    assert (outcome.ok, outcome.error_code) == (False, "memory_limit")
    assert outcome.error == "exceeded the memory limit of 300 MB"
    assert outcome.peak_rss_mb < 300


def test_allocation_under_limit_succeeds() -> None:
    outcome = run_isolated(task, "allocate", 100, limits=Limits(timeout_s=10, memory_mb=400))
    assert (outcome.ok, outcome.value) == (True, 100 * 2**20)
    assert outcome.peak_rss_mb >= 100


def test_segfault_is_crashed() -> None:
    outcome = run_isolated(task, "segfault", limits=FAST)
    assert (outcome.ok, outcome.error_code) == (False, "crashed")
    assert outcome.error == "worker crashed (signal 11)"


def test_unexpected_exit_is_crashed() -> None:
    outcome = run_isolated(task, "exit", limits=FAST)
    assert (outcome.error_code, outcome.error) == ("crashed", "worker exited unexpectedly (exit code 3)")


def test_unpicklable_result_is_error() -> None:
    outcome = run_isolated(task, "unpicklable", limits=FAST)
    assert outcome.error_code == "error"
    assert outcome.error.startswith("the result cannot be sent back")


def test_pool_continues_after_timeout_with_replacement_worker() -> None:
    with WorkerPool(task, 1, Limits(timeout_s=1.0)) as pool:
        pool.submit("first", "sleep", 0)
        pool.submit("hung", "sleep", 30)
        pool.submit("after", "sleep", 0)
        results = dict(pool.results())
    assert [results[k].error_code for k in ("first", "hung", "after")] == [None, "timeout", None]
    assert results["after"].ok is True
    assert results["after"].value != results["first"].value  # a fresh worker replaced the killed one


def test_pool_replaces_crashed_and_out_of_memory_workers() -> None:
    with WorkerPool(task, 1, Limits(timeout_s=10, memory_mb=300)) as pool:
        for key, kind, arg in [(1, "segfault", 0), (2, "value", 1), (3, "allocate", 1024), (4, "value", 2)]:
            pool.submit(key, kind, arg)
        results = dict(pool.results())
    assert [results[k].error_code for k in (1, 2, 3, 4)] == ["crashed", None, "memory_limit", None]
    assert results[2].value["pid"] != results[4].value["pid"]


def test_pool_reuses_two_workers_concurrently(tmp_path: Path) -> None:
    with WorkerPool(task, 2, Limits(timeout_s=20)) as pool:
        for key in range(4):
            pool.submit(key, "meet", (tmp_path, 2))
        results = dict(pool.results())
    assert sorted(results) == [0, 1, 2, 3]
    assert all(results[key].value[1] is True for key in range(4))  # two tasks were running at once
    assert len({results[key].value[0] for key in range(4)}) == 2  # two worker processes, each used twice


def test_results_in_completion_order(tmp_path: Path) -> None:
    with WorkerPool(task, 2, Limits(timeout_s=20)) as pool:
        pool.submit("waits", "after", tmp_path / "flag")
        pool.submit("flags", "flag", tmp_path / "flag")
        results = list(pool.results())
    assert [(key, outcome.value) for key, outcome in results] == [("flags", True), ("waits", True)]


def test_lambda_is_rejected_up_front() -> None:
    with pytest.raises((pickle.PicklingError, AttributeError)):
        WorkerPool(lambda: None, 1, FAST)


def test_submit_after_close_fails() -> None:
    pool = WorkerPool(task, 1, FAST)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.submit("k", "value", 1)


@pytest.mark.parametrize(
    ("exitcode", "vm_kb", "expected"),
    [
        (-signal.SIGALRM, 0, ("timeout", "timed out after 1.5 s")),
        (-signal.SIGKILL, 0, ("memory_limit", "worker was killed by the system (signal 9), probably out of memory")),
        (-signal.SIGABRT, 1000 * 1024, ("memory_limit", "exceeded the memory limit of 1024 MB")),
        (-signal.SIGABRT, 100 * 1024, ("crashed", "worker crashed (signal 6)")),
        (None, 0, ("crashed", "worker stopped responding")),
    ],
)
def test_death_reason(exitcode: int | None, vm_kb: int, expected: tuple[str, str]) -> None:
    assert WorkerPool(task, 1, FAST)._death_reason(exitcode, vm_kb) == expected


def test_outcome_fields() -> None:
    assert [f for f in Outcome.__dataclass_fields__] == [
        "ok", "value", "error_code", "error", "traceback", "seconds", "peak_rss_mb"
    ]
    assert Limits() == Limits(timeout_s=300.0, memory_mb=4096)
