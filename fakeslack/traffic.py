"""The requests a fake receives: recorded for assertions, failed, slowed or held on demand."""

from __future__ import annotations

import copy
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from fakeslack.server import Reply


@dataclass(frozen=True)
class Call:
    """One request the fake received: an API method name, "upload" or "respond:<name>".

    ``applied`` is True when the request's effects took place: every successful call, and a
    call answered with a fault from ``fail_next(..., applied=True)`` whose handling succeeded
    (then ``ok`` is False although, say, the message was stored).
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    ok: bool
    error: str | None
    applied: bool = False


@dataclass
class Fault:
    """A planned answer: `error` None means "the normal answer" (``slow_next``)."""

    error: str | None
    status: int | None
    retry_after: int
    remaining: int
    applied: bool = False
    delay: float = 0.0

    def reply(self, *, is_api: bool) -> Reply:
        """The fault as Slack would answer it: JSON for the Web API, text elsewhere."""
        assert self.error is not None
        headers = {"Retry-After": str(self.retry_after)} if self.status == 429 else {}
        if is_api:
            payload = {"ok": False, "error": self.error}
            return Reply.json(self.status or 200, payload, **headers)
        return Reply.text(self.status or 400, self.error, **headers)


class Traffic:
    """Recorded calls, planned faults and holds, behind one lock.

    Waiters block on a Condition built on that lock; ``FakeSlack`` keeps its workspace behind
    the same lock. `latency` seconds pass before each request is handled.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self._cond = threading.Condition(threading.Lock())
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self.keep_calls: int | None = None  # None: every call is kept (tests assert on them)
        self._counts: Counter[tuple[str, bool]] = Counter()
        self._faults: dict[str, Fault] = {}
        self._holds: dict[str, threading.Event] = {}
        self._parked: defaultdict[str, int] = defaultdict(int)

    # -- faults and holds ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
        applied: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls to `method` fail (by default without side effects).

        429 (explicit, or ``error="ratelimited"`` with no status) answers HTTP 429 with
        ``Retry-After: <retry_after or 1>`` and error "ratelimited". Any other explicit
        status is used as is; for 5xx with the default error the body error becomes
        "service_unavailable" (503) or "internal_error". Without a status, Web API calls
        answer HTTP 200 ``{"ok": false, "error": error}``. For "respond:<name>" and "upload"
        the body is the error as plain text and the default status is 400.

        With ``applied=True`` the call is handled first, so its side effects happen (the
        message is stored, counted and rate-limited as usual), and only the answer is the
        fault: "it went through but we never heard". `delay` seconds pass between handling
        (and recording) the call and answering it, so a client whose timeout is shorter sees
        a timeout instead of the fault. Replaces any pending fault or ``slow_next`` for
        `method`.
        """
        if status is None and error == "ratelimited":
            status = 429
        if status == 429:
            error = "ratelimited"
        elif status is not None and status >= 500 and error == "ratelimited":
            error = "service_unavailable" if status == 503 else "internal_error"
        after = 1 if retry_after is None else retry_after
        with self._cond:
            self._faults[method] = Fault(error, status, after, times, applied, delay)

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Handle the next `times` calls to `method` normally but answer `seconds` late.

        The side effects (a stored message) and the recorded call happen at once; only the
        HTTP answer waits, so a client with a shorter timeout gives up on a call that
        succeeded. ``stop()`` cuts the wait short. Replaces any pending ``fail_next``.
        """
        with self._cond:
            self._faults[method] = Fault(None, None, 0, times, applied=True, delay=seconds)

    def hold(self, method: str) -> threading.Event:
        """Park calls to `method` (or a "respond:*" pattern) until the returned Event is set.

        Other methods are unaffected. Holding a method that is already held (Event not
        yet set) returns the same Event. ``stop()`` sets every hold's Event.
        """
        with self._cond:
            gate = self._holds.get(method)
            if gate is None or gate.is_set():
                gate = self._holds[method] = threading.Event()
            return gate

    def wait_held(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Block until at least `count` calls to `method` are parked by ``hold``."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._parked[method] >= count, timeout):
                raise AssertionError(
                    f"expected {count} held call(s) to {method!r} within {timeout}s, "
                    f"{self._parked[method]} held"
                )

    # -- recorded traffic ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request received so far, in the order they were answered."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to `method` ("respond:*" matches every response URL)."""
        with self._cond:
            return self._matching(method)

    def responses(self, name: str | None = None) -> list[dict[str, Any]]:
        """Payloads accepted by response URLs (all names, or only `name`)."""
        pattern = "respond:*" if name is None else f"respond:{name}"
        with self._cond:
            return [copy.deepcopy(c.args) for c in self._matching(pattern) if c.ok]

    def call_count(self, method: str, *, ok: bool | None = None) -> int:
        """How many calls to `method` ("respond:*" for all) were recorded, in O(1).

        `ok` True or False counts only successful or only failed calls.
        """
        with self._cond:
            return self._count(method, ok)

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, ok: bool | None = None
    ) -> list[Call]:
        """Block until at least `count` calls to `method` are recorded; return them all.

        `method` may be "respond:<name>" or "respond:*". With `ok` True or False only
        successful or only failed calls count (and are returned). Raises AssertionError
        naming the methods seen so far on timeout.
        """
        with self._cond:
            if self._cond.wait_for(lambda: self._count(method, ok) >= count, timeout):
                return [c for c in self._matching(method) if ok is None or c.ok is ok]
            seen = Counter(call.method for call in self._calls)
            summary = ", ".join(f"{m} x{n}" for m, n in seen.items()) or "nothing"
            raise AssertionError(
                f"expected {count} call(s) to {method!r} within {timeout}s, "
                f"got {self._count(method, ok)}; seen so far: {summary}"
            )

    def reset_calls(self) -> None:
        """Forget recorded calls (and therefore recorded response URL payloads)."""
        with self._cond:
            self._calls.clear()
            self._counts.clear()

    # -- used while serving ----------------------------------------------------------------

    def _release(self) -> None:
        """Cut every wait short: held requests go on, delayed answers go out."""
        self._stopping.set()
        with self._cond:
            for gate in self._holds.values():
                gate.set()

    def _pause(self, method: str) -> None:
        """Apply the configured latency, then park while a matching hold is unset."""
        if self.latency:
            self._stopping.wait(self.latency)
        with self._cond:
            gate = next(
                (g for p, g in self._holds.items() if _matches(p, method) and not g.is_set()),
                None,
            )
            if gate is None:
                return
            self._parked[method] += 1
            self._cond.notify_all()
        gate.wait()
        with self._cond:
            self._parked[method] -= 1
            self._cond.notify_all()

    def _take_fault(self, method: str) -> Fault | None:
        """The fault planned for this call to `method`, if any (lock held)."""
        fault = self._faults.get(method)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            del self._faults[method]
        return fault

    def _record(self, call: Call) -> None:
        """Record an answered call and wake the waiters (lock held)."""
        self._calls.append(call)
        if self.keep_calls is not None and len(self._calls) > self.keep_calls:
            del self._calls[: len(self._calls) - self.keep_calls]  # a long-running sandbox
        self._counts[call.method, call.ok] += 1
        self._cond.notify_all()

    def _matching(self, pattern: str) -> list[Call]:
        return [c for c in self._calls if _matches(pattern, c.method)]

    def _count(self, pattern: str, ok: bool | None) -> int:
        """Recorded calls matching `pattern` (and `ok`), from counters: O(distinct methods)."""
        return sum(
            n
            for (method, call_ok), n in self._counts.items()
            if _matches(pattern, method) and (ok is None or call_ok is ok)
        )


def _matches(pattern: str, method: str) -> bool:
    """Exact match, or "respond:*" matching every response URL method."""
    return pattern == method or (pattern == "respond:*" and method.startswith("respond:"))
