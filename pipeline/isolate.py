"""Run one document's processing in a child process with time and memory limits.

`WorkerPool` keeps N long-lived workers, so start-up cost (imports, OCR model load) is paid
once per worker, not per document.  The parent hands each idle worker one task at a time
over its own pipe, so it always knows which document a worker holds: a worker that overruns
the time limit is killed and replaced, one that dies (segfault, out of memory) is replaced,
and only that document gets a failed `Outcome`.

Start method: 'forkserver' (children fork from a clean single-threaded server, never from a
parent that may run onnxruntime/OpenMP threads), else 'spawn'.  Measured here: an empty
worker starts in ~20 ms (forkserver) vs ~60 ms (spawn); importing pypdfium2, pikepdf, numpy
and onnxruntime adds ~150 ms either way, paid once per worker.

Each worker gets RLIMIT_AS = memory_mb, no core dumps, SIGINT ignored (the parent owns
shutdown) and a SIGALRM backstop at timeout + 5 s, so it cannot outlive its time limit
even while the parent is busy elsewhere or gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import math
import multiprocessing as mp
import os
import pickle
import resource
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Callable, Hashable, Iterator, TypeVar

from pipeline.sniff import InputError

log = logging.getLogger(__name__)
T = TypeVar("T")

SAMPLE_S = 0.25  # how often the parent samples a busy worker's memory
ALARM_GRACE_S = 5.0  # the worker's own SIGALRM fires this long after the parent's deadline
STOP_GRACE_S = 2.0  # how long close() waits for idle workers to exit
NEAR_LIMIT = 0.9  # a crash with virtual memory this close to the limit counts as out of memory
M_ARENA_MAX = -8  # glibc mallopt parameter


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 300.0
    memory_mb: int = 4096


@dataclass
class Outcome:
    ok: bool
    value: Any
    error_code: str | None
    error: str | None
    traceback: str | None
    seconds: float
    peak_rss_mb: float


def run_isolated(fn: Callable[..., T], *args: Any, limits: Limits = Limits()) -> Outcome:
    """Run fn(*args) in a fresh worker process under `limits`."""
    with WorkerPool(fn, 1, limits) as pool:
        pool.submit(None, *args)
        for _, outcome in pool.results():
            return outcome
    raise RuntimeError("worker pool returned no result")  # unreachable


# --- worker side -------------------------------------------------------------------------


def _worker_main(conn: Connection, limits: Limits) -> None:
    """Loop in the child: receive (task_id, pickled (fn, args)), send back (task_id, Outcome)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _apply_limits(limits.memory_mb)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_id, blob = message
        outcome = _run_task(blob, limits)
        _send_outcome(conn, task_id, outcome)
        if outcome.error_code == "memory_limit":
            return  # start afresh: the heap may be fragmented or half-initialised


def _apply_limits(memory_mb: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    _limit_malloc_arenas()


def _limit_malloc_arenas() -> None:
    """Each glibc malloc arena reserves 64 MB of address space per thread; cap them under RLIMIT_AS."""
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        log.debug("mallopt unavailable; malloc arenas not capped")


def _run_task(blob: bytes, limits: Limits) -> Outcome:
    _reset_peak_rss()
    signal.alarm(math.ceil(limits.timeout_s + ALARM_GRACE_S))
    start = time.perf_counter()
    try:
        fn, args = pickle.loads(blob)
        outcome = Outcome(True, fn(*args), None, None, None, 0.0, 0.0)
    except MemoryError:
        outcome = _failure("memory_limit", _memory_message(limits), traceback.format_exc())
    except BaseException as exc:  # noqa: BLE001 - a task must never take the worker down
        outcome = _failure(*_describe(exc), traceback.format_exc())
    finally:
        signal.alarm(0)
    outcome.seconds = time.perf_counter() - start
    outcome.peak_rss_mb = _own_peak_rss_mb()
    return outcome


def _send_outcome(conn: Connection, task_id: int, outcome: Outcome) -> None:
    try:
        conn.send((task_id, outcome))
    except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
        message = f"the result cannot be sent back: {_one_line(exc)}"
        failed = _failure("error", message, traceback.format_exc())
        failed.seconds, failed.peak_rss_mb = outcome.seconds, outcome.peak_rss_mb
        conn.send((task_id, failed))


def _failure(code: str, message: str, trace: str | None) -> Outcome:
    return Outcome(False, None, code, message, trace, 0.0, 0.0)


def _describe(exc: BaseException) -> tuple[str, str]:
    """(error_code, one-line message): an InputError keeps its reason_code."""
    if isinstance(exc, InputError):
        return exc.reason_code, exc.message
    text = _one_line(exc)
    return "error", f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _memory_message(limits: Limits) -> str:
    return f"exceeded the memory limit of {limits.memory_mb} MB"


def _reset_peak_rss() -> None:
    """Reset VmHWM so the peak measured after the task is this task's (Linux >= 4.0)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")


def _own_peak_rss_mb() -> float:
    hwm = _proc_status_kb(os.getpid()).get("VmHWM")
    if hwm is not None:
        return hwm / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _proc_status_kb(pid: int) -> dict[str, int]:
    """The 'Vm*' lines of /proc/<pid>/status in kB ({} if unavailable)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {}
    fields = (line.split(":", 1) for line in lines if line.startswith("Vm"))
    return {name: int(value.split()[0]) for name, value in fields if value.split()}


# --- parent side -------------------------------------------------------------------------


def _mp_context() -> BaseContext:
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    return mp.get_context(method)


@dataclass
class _Task:
    task_id: int
    key: Hashable
    blob: bytes


@dataclass
class _Slot:
    """One worker process as seen from the parent."""

    process: BaseProcess
    conn: Connection
    task: _Task | None = None
    started: float = 0.0
    vm_peak_kb: int = 0
    hwm_kb: int = 0


class WorkerPool:
    """N long-lived worker processes running `fn` (a module-level function) under `limits`."""

    def __init__(self, fn: Callable[..., Any], workers: int, limits: Limits = Limits()) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        pickle.dumps(fn)  # fail early: fn must be picklable (a module-level function)
        self._fn = fn
        self._size = workers
        self._limits = limits
        self._ctx = _mp_context()
        self._pending: deque[_Task] = deque()
        self._slots: list[_Slot] = []
        self._ids = itertools.count()
        self._closed = False

    def __enter__(self) -> "WorkerPool":
        self._start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(self, key: Hashable, *args: Any) -> None:
        """Queue fn(*args); its Outcome is yielded by results() together with `key`."""
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        self._pending.append(_Task(next(self._ids), key, pickle.dumps((self._fn, args))))

    def results(self) -> Iterator[tuple[Hashable, Outcome]]:
        """Run the queued tasks; yield (key, Outcome) in completion order until none is left."""
        self._start()
        while self._pending or self._busy():
            self._dispatch()
            yield from self._collect()

    def close(self) -> None:
        """Stop idle workers politely and busy ones by force; drop unstarted tasks."""
        if self._closed:
            return
        self._closed = True
        if self._pending:
            log.warning("worker pool closed with %d task(s) not run", len(self._pending))
        for slot in self._slots:
            self._stop(slot, force=slot.task is not None)
        deadline = time.monotonic() + STOP_GRACE_S
        for slot in self._slots:
            self._reap(slot, max(0.0, deadline - time.monotonic()))
        self._slots.clear()

    # -- workers

    def _start(self) -> None:
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        while len(self._slots) < self._size:
            self._slots.append(self._spawn())

    def _spawn(self) -> _Slot:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child_conn, self._limits), daemon=True)
        process.start()
        child_conn.close()
        return _Slot(process, parent_conn)

    def _replace(self, slot: _Slot) -> None:
        self._stop(slot, force=True)
        self._reap(slot, STOP_GRACE_S)
        self._slots[self._slots.index(slot)] = self._spawn()

    @staticmethod
    def _stop(slot: _Slot, force: bool) -> None:
        if force:
            slot.process.kill()
        else:
            with contextlib.suppress(OSError):  # a dead worker is reaped (and killed) by _reap
                slot.conn.send(None)

    @staticmethod
    def _reap(slot: _Slot, timeout: float) -> None:
        slot.process.join(timeout)
        if slot.process.exitcode is None:
            slot.process.kill()
            slot.process.join()
        slot.conn.close()

    def _busy(self) -> list[_Slot]:
        return [slot for slot in self._slots if slot.task is not None]

    # -- scheduling

    def _dispatch(self) -> None:
        for slot in list(self._slots):
            if slot.task is None and not slot.process.is_alive():
                self._replace(slot)
        for slot in self._slots:
            if slot.task is None and self._pending:
                self._assign(slot, self._pending.popleft())

    def _assign(self, slot: _Slot, task: _Task) -> None:
        try:
            slot.conn.send((task.task_id, task.blob))
        except OSError:
            self._pending.appendleft(task)  # the worker died while idle; the next round replaces it
            return
        slot.task, slot.started = task, time.monotonic()
        slot.vm_peak_kb = slot.hwm_kb = 0

    def _collect(self) -> Iterator[tuple[Hashable, Outcome]]:
        busy = self._busy()
        if not busy:
            return
        wait([s.conn for s in busy] + [s.process.sentinel for s in busy], self._wait_time(busy))
        for slot in busy:
            task = slot.task
            outcome = self._check(slot)
            if outcome is not None and task is not None:
                if not outcome.ok:
                    log.warning("task %r failed: %s (%s)", task.key, outcome.error, outcome.error_code)
                yield task.key, outcome

    def _wait_time(self, busy: list[_Slot]) -> float:
        now = time.monotonic()
        nearest = min(slot.started + self._limits.timeout_s for slot in busy)
        return max(0.0, min(SAMPLE_S, nearest - now))

    def _check(self, slot: _Slot) -> Outcome | None:
        """The Outcome of the slot's task if it finished, died or overran; None while it runs."""
        if slot.conn.poll():
            return self._receive(slot)
        if not slot.process.is_alive():
            return self._died(slot)
        if time.monotonic() - slot.started > self._limits.timeout_s:
            return self._timed_out(slot)
        self._sample(slot)
        return None

    def _receive(self, slot: _Slot) -> Outcome:
        try:
            _, outcome = slot.conn.recv()
        except (EOFError, OSError):
            return self._died(slot)
        except Exception as exc:  # noqa: BLE001 - e.g. the result's class cannot be imported here
            outcome = _failure("error", f"the result cannot be read: {_one_line(exc)}", None)
        slot.task = None
        if outcome.error_code == "memory_limit":
            self._replace(slot)  # the worker exits after running out of memory
        return outcome

    def _died(self, slot: _Slot) -> Outcome:
        slot.process.join(STOP_GRACE_S)
        return self._finish(slot, *self._death_reason(slot.process.exitcode, slot.vm_peak_kb))

    def _timed_out(self, slot: _Slot) -> Outcome:
        return self._finish(slot, "timeout", f"timed out after {self._limits.timeout_s:g} s")

    def _finish(self, slot: _Slot, code: str, message: str) -> Outcome:
        """The Outcome of a task whose worker is gone (or killed now); the worker is replaced."""
        outcome = _failure(code, message, None)
        outcome.seconds = time.monotonic() - slot.started
        outcome.peak_rss_mb = slot.hwm_kb / 1024
        slot.task = None
        self._replace(slot)
        return outcome

    def _death_reason(self, exitcode: int | None, vm_peak_kb: int) -> tuple[str, str]:
        if exitcode is None:
            return "crashed", "worker stopped responding"
        if exitcode >= 0:
            return "crashed", f"worker exited unexpectedly (exit code {exitcode})"
        signum = -exitcode
        if signum == signal.SIGALRM:
            return "timeout", f"timed out after {self._limits.timeout_s:g} s"
        if signum == signal.SIGKILL:
            return "memory_limit", "worker was killed by the system (signal 9), probably out of memory"
        if vm_peak_kb >= NEAR_LIMIT * self._limits.memory_mb * 1024:
            return "memory_limit", _memory_message(self._limits)
        return "crashed", f"worker crashed (signal {signum})"

    @staticmethod
    def _sample(slot: _Slot) -> None:
        status = _proc_status_kb(slot.process.pid or 0)
        slot.vm_peak_kb = max(slot.vm_peak_kb, status.get("VmSize", 0))
        slot.hwm_kb = max(slot.hwm_kb, status.get("VmHWM", 0))
