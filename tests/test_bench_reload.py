"""bench/bench_reload.py's attribution of stalls: the reload step each fell in, and the CPU
the rest of the machine took around it. Benchmarks are not run here; their logic is."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_reload.py"
spec = importlib.util.spec_from_file_location("bench_reload", BENCH)
assert spec is not None
assert spec.loader is not None
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_reload"] = bench  # dataclasses look their module up while being made
spec.loader.exec_module(bench)


def test_a_reload_in_the_thread_and_a_phase_without_one() -> None:
    """Stalls are attributed to the build (before the swap) or the release (after)."""
    thread = {"start": 0.0, "swap": 12.0, "end": 12.5}
    assert bench.steps_of(thread) == [("build", 12.0), ("release", 0.5)]
    assert bench.step_at(thread, 11.9) == "build"
    assert bench.step_at(thread, 12.1) == "release"
    idle = {"start": 0.0, "end": 3.0}
    assert bench.steps_of(idle) == [("idle", 3.0)]
    assert bench.step_at(idle, 1.0) == "idle"


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads /proc (Linux)")
def test_a_live_grandchild_s_cpu_counts_as_the_bench_s_own() -> None:
    # The loader's parse workers are live grandchildren of the bench child while they
    # work: their CPU time must not be reported as "other software".
    burn = (
        "import time\nend = time.process_time() + 0.4\n"
        "while time.process_time() < end: pass\ntime.sleep(30)"
    )
    spawn = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {burn!r}])"
    before = bench.tree_ticks(os.getpid())
    assert before is not None
    child = subprocess.Popen([sys.executable, "-c", spawn], start_new_session=True)
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    try:
        deadline = time.monotonic() + 10
        own = 0.0
        while time.monotonic() < deadline and own < 300:
            time.sleep(0.05)
            after = bench.tree_ticks(os.getpid())
            assert after is not None
            own = (after[2] - before[2]) * ms_per_tick
        assert own >= 300  # of the grandchild's 400 ms
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def test_cpu_share_around_a_moment() -> None:
    sampler = bench.CpuSampler(os.getpid())
    tick = os.sysconf("SC_CLK_TCK")
    cpus = os.cpu_count() or 1
    capacity = tick * cpus  # ticks in one second
    # One second in which the machine was busy for half its capacity, a quarter of it ours,
    # and the host took a tenth. Of the rest: a database 15% (two processes of one name),
    # interrupts 5%, a daemon under the listing threshold, and a process started mid-way.
    first = bench.Sample(
        0, 0, 0, 0, {10: ("postgres", 100), 11: ("postgres", 50), 12: ("cron", 7), 13: ("gone", 5)}
    )
    second = bench.Sample(
        capacity // 2,
        capacity // 10,
        capacity // 4,
        capacity // 20,
        {
            10: ("postgres", 100 + capacity // 10),
            11: ("postgres", 50 + capacity // 20),
            12: ("cron", 7),
            14: ("beam.smp", capacity * 3 // 100),
        },
    )
    sampler.samples = [(100.0, first), (101.0, second)]
    around = sampler.around(100.5)
    assert around is not None
    assert around.other == pytest.approx(25, abs=1)
    assert around.steal == pytest.approx(10, abs=1)
    assert [name for name, _ in around.top] == ["postgres", "interrupts", "beam.smp"]
    assert [round(share) for _, share in around.top] == [15, 5, 3]
    assert around.describe() == ("other 25% [postgres 15%, interrupts 5%, beam.smp 3%], steal 10%")
    assert sampler.around(100.2) is None  # no sample half a second before


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads /proc (Linux)")
def test_a_sample_names_the_processes_outside_the_tree() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        sample = bench.sample_machine(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert sample is not None
    assert os.getpid() not in sample.others  # ours
    assert child.pid not in sample.others  # ours too: a live child
    name, ticks = sample.others[1]  # init is nobody's child here
    assert name
    assert ticks >= 0
