"""Modes are per thread and per asyncio task (issue 14, item 1): a switch in one never changes another."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from chainrule import DomainError, Value, detect_anomaly, name_scope, nan_on_domain_error, no_grad


def _in_thread_while(switch: Callable[[], AbstractContextManager[None]], body: Callable[[], None]) -> None:
    """Run ``body`` here while another thread sits inside ``switch()``."""
    inside, done = threading.Event(), threading.Event()

    def hold() -> None:
        with switch():
            inside.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert inside.wait(10)
        body()
    finally:
        done.set()
        thread.join(10)


def test_no_grad_in_another_thread_leaves_this_threads_graph_alone() -> None:
    x = Value(2.0)

    def body() -> None:
        y = x * x
        y.backward()
        assert y.parents == (x, x)

    _in_thread_while(no_grad, body)
    assert x.grad == 4.0


def test_anomaly_and_nan_modes_and_scopes_in_another_thread_do_not_leak() -> None:
    _in_thread_while(detect_anomaly, lambda: Value(1000.0).exp())  # inf, no AnomalyError here
    with pytest.raises(DomainError):
        _in_thread_while(nan_on_domain_error, lambda: Value(-1.0).log())
    seen: list[object] = []
    _in_thread_while(lambda: name_scope("other"), lambda: seen.append((Value(1.0) + 1).scope))
    assert seen == [None]


def test_overlapping_no_grad_blocks_in_two_threads_leave_gradients_on() -> None:
    # enter A, enter B, exit A, exit B: a shared save/restore would leave grad disabled for good
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    built: dict[str, bool] = {}

    def thread_a() -> None:
        with no_grad():
            a_in.set()
            b_in.wait(10)
        a_out.set()
        built["a"] = bool((Value(1.0) * 2).parents)

    def thread_b() -> None:
        a_in.wait(10)
        with no_grad():
            b_in.set()
            a_out.wait(10)
        built["b"] = bool((Value(1.0) * 2).parents)

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert built == {"a": True, "b": True}
    assert (Value(1.0) * 2).parents  # and this thread's


def test_one_switch_object_entered_by_many_threads_at_once() -> None:
    switch = no_grad()
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def work() -> None:
        with switch:
            barrier.wait(10)
            inside = bool((Value(1.0) * 2).parents)
            barrier.wait(10)
        results.append(inside or not (Value(1.0) * 2).parents)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [False] * 4  # no graph inside, a graph again after, in every thread


def test_a_new_thread_starts_with_the_default_modes() -> None:
    seen: list[bool] = []
    with no_grad(), detect_anomaly():
        thread = threading.Thread(target=lambda: seen.append(bool((Value(1.0) * 2).parents)))
        thread.start()
        thread.join(10)
    assert seen == [True]


def test_modes_are_per_asyncio_task() -> None:
    async def quiet(started: asyncio.Event, finish: asyncio.Event) -> float:
        with no_grad():
            started.set()
            await finish.wait()
            return float(len((Value(1.0) * 2).parents))

    async def learner(started: asyncio.Event, finish: asyncio.Event) -> float:
        await started.wait()
        x = Value(3.0)
        (x * x).backward()
        finish.set()
        return x.grad

    async def main() -> list[float]:
        started, finish = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(quiet(started, finish), learner(started, finish)))

    assert asyncio.run(main()) == [0.0, 6.0]
    assert (Value(1.0) * 2).parents


def test_a_task_inherits_the_modes_where_it_was_created() -> None:
    async def child() -> bool:
        return bool((Value(1.0) * 2).parents)

    async def main() -> bool:
        with nan_on_domain_error(), no_grad():
            task = asyncio.ensure_future(child())
        return await task

    assert asyncio.run(main()) is False
    assert math.isnan(asyncio.run(_log_in_nan_task()))


async def _log_in_nan_task() -> float:
    with nan_on_domain_error():
        return await asyncio.ensure_future(_log_minus_one())


async def _log_minus_one() -> float:
    return Value(-1.0).log().data
