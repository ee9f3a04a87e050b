"""Progress on stderr (a bar that redraws itself in place) and the time each phase of a run took."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """A one-line progress bar on stderr (silent when disabled)."""

    def __init__(self, label: str, total: int, unit: str, enabled: bool, width: int = 30) -> None:
        self.label, self.total, self.unit, self.enabled, self.width = label, max(total, 1), unit, enabled, width
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        filled = int(self.width * min(done, self.total) / self.total)
        sys.stderr.write(
            f"\r{self.label:<11} |{'#' * filled}{' ' * (self.width - filled)}| {done:,}/{self.total:,} {self.unit}"
        )
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class Phases:
    """Wall time per named phase (read, check, layout, kernel, write, ...), added up over chunks."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._mark = self.started
        self._cpu = time.process_time()

    def lap(self, phase: str) -> None:
        """Charge the time since the previous lap to ``phase``."""
        now, cpu = time.perf_counter(), time.process_time()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._mark
        self.cpu[phase] = self.cpu.get(phase, 0.0) + cpu - self._cpu
        self._mark, self._cpu = now, cpu

    def skip(self) -> None:
        """Charge the time since the previous lap to nothing (it was counted by :meth:`add`)."""
        self._mark, self._cpu = time.perf_counter(), time.process_time()

    def add(self, other: Phases, prefix: str = "") -> None:
        """Add another run's phases (a partition's; ``prefix`` keeps a worker's apart from this process's)."""
        for phase, s in other.seconds.items():
            key = prefix + phase
            self.seconds[key] = self.seconds.get(key, 0.0) + s
            self.cpu[key] = self.cpu.get(key, 0.0) + other.cpu.get(phase, 0.0)

    def total(self) -> float:
        return time.perf_counter() - self.started

    def line(self) -> str:
        parts = ", ".join(f"{k} {v:.3f}/{self.cpu.get(k, 0.0):.3f}" for k, v in self.seconds.items())
        return f"phases (wall/cpu s): {parts}, total {self.total():.3f}/{time.process_time():.3f}"
