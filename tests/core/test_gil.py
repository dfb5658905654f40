"""geobot.gil: one CPU-bound Python thread beside the event loop at a time."""

from __future__ import annotations

import threading
import time

from geobot import gil
from geobot.gil import Steps, turn


def test_turns_exclude_each_other() -> None:
    inside = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(50):
            with turn():
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0002)  # let another thread try
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_turn_is_reentrant() -> None:
    with turn(), turn():
        pass  # a step that calls code taking a turn itself does not deadlock


def test_long_work_in_steps_lets_a_waiting_turn_in(monkeypatch) -> None:
    """A search waiting for its turn gets one within a slice of long work, not after it."""
    monkeypatch.setattr(gil, "SLICE_S", 0.002)
    waited: list[float] = []
    started = threading.Event()

    def search() -> None:
        started.wait()
        t = time.perf_counter()
        with turn():
            waited.append(time.perf_counter() - t)

    searcher = threading.Thread(target=search)
    searcher.start()
    with Steps() as steps:
        started.set()
        until = time.perf_counter() + 0.5
        while time.perf_counter() < until and not waited:
            sum(range(1000))  # a small step of long work
            steps.tick()
    searcher.join()
    assert waited, "the waiting turn never came while the long work ran"
    assert waited[0] < 0.25


def test_steps_release_the_turn_at_the_end() -> None:
    with Steps() as steps:
        steps.tick()
    done = threading.Event()

    def other() -> None:
        with turn():
            done.set()

    t = threading.Thread(target=other)
    t.start()
    t.join(timeout=5)
    assert done.is_set()


def test_indexing_ticks_once_per_document() -> None:
    """A reload building in a thread gives searches a turn between documents."""
    from pathlib import Path

    from geobot.library import Library

    documents = Library.load(Path(__file__).resolve().parents[2] / "data").documents
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        ticks += 1

    library = Library(documents, tick, semantic=False)
    assert ticks == len(list(documents)) >= 2
    # With the semantic index, embedding gives a turn between documents too.
    ticks = 0
    Library(documents, tick)
    assert ticks == 2 * len(list(documents))
    assert library.ask("What did Senator Mike Lee say about NATO?").hits
