"""How busy the machine was: CPU used by this benchmark's processes and by everything else.

Two shared cores make every figure sensitive to other work (a test suite running meanwhile
halves the throughput): each measurement window reports the CPU the rest of the machine took.
Linux only (/proc); elsewhere the figures are left out.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_ticks() -> int | None:
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    guest = sum(values[8:10]) if len(values) > 9 else 0  # already counted in user/nice
    return sum(values) - idle - guest


def _tree_ticks(root: int) -> int:
    """user+system ticks of root and all its descendants alive now (plus reaped children)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        parents[pid] = int(rest[1])
        ticks[pid] = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier += children
    return sum(ticks.get(p, 0) for p in tree)


class CpuWindow:
    """Start at construction; `stop()` returns (cores used by us, cores used by the others)."""

    def __init__(self):
        self.root = os.getpid()
        self.start = self._sample()

    def _sample(self):
        import time

        busy = _busy_ticks()
        return (time.monotonic(), busy, _tree_ticks(self.root) if busy is not None else 0)

    def stop(self) -> tuple[float, float] | None:
        end = self._sample()
        if self.start[1] is None or end[1] is None:
            return None
        seconds = end[0] - self.start[0]
        ours = (end[2] - self.start[2]) / TICKS / seconds
        total = (end[1] - self.start[1]) / TICKS / seconds
        return ours, max(0.0, total - ours)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def wait_quiet(max_seconds: float, threshold: float = 0.25) -> tuple[float, float]:
    """Wait (at most max_seconds) until the other processes use under threshold cores over one
    second. Returns (seconds waited, their last usage in cores)."""
    import time

    started = time.monotonic()
    while True:
        window = CpuWindow()
        time.sleep(1.0)
        usage = window.stop()
        others = usage[1] if usage else 0.0
        waited = time.monotonic() - started
        if others < threshold or waited >= max_seconds:
            return waited, others
