"""Numbers of one bench/serve.py phase: throughput, step latency percentiles, the broadcast."""

from __future__ import annotations

from dataclasses import dataclass

from loadgen import Resident


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values; nan when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Phase:
    """What one bot did under one load."""

    name: str
    residents: list[Resident]
    started: float
    ended: float
    idle_ticks: int = 0
    too_many: int = 0
    rss_mib: float | None = None
    broadcast_rate: float | None = None
    broadcast_share: float | None = None
    webhook_errors: int = 0

    @property
    def latencies(self) -> list[float]:
        return [answered - pushed for r in self.residents for pushed, answered in r.latencies]

    @property
    def steps_per_second(self) -> float:
        stamps = [s for r in self.residents for s in r.latencies]
        if not stamps:
            return 0.0
        span = max(a for _, a in stamps) - min(p for p, _ in stamps)
        return len(stamps) / span if span > 0 else float("nan")

    def line(self) -> str:
        ms = [x * 1000 for x in self.latencies]
        finished = sum(1 for r in self.residents if not r.steps)
        failed = [r.failed for r in self.residents if r.failed]
        text = (f"{self.name:<34} {len(ms):>6} steps  {self.steps_per_second:7.1f} steps/s  "
                f"p50 {percentile(ms, 50):7.1f}  p95 {percentile(ms, 95):7.1f}  "
                f"p99 {percentile(ms, 99):7.1f}  max {max(ms, default=float('nan')):7.1f} ms  "
                f"{finished}/{len(self.residents)} residents done  "
                f"{self.ended - self.started:.1f} s")
        if self.rss_mib is not None:
            text += f"  RSS {self.rss_mib:.0f} MiB"
        if self.idle_ticks:
            text += f"  ({self.idle_ticks} offered ticks found nobody ready)"
        if self.too_many:
            text += f"  429s {self.too_many}"
        if self.webhook_errors:
            text += f"  webhook errors {self.webhook_errors}"
        if self.broadcast_rate is not None and self.broadcast_share:
            text += (f"\n{'':<34} broadcast {self.broadcast_rate:.1f}/s while they walked "
                     f"(share {self.broadcast_share:g}/s, "
                     f"{(self.broadcast_rate / self.broadcast_share - 1) * 100:+.1f} %)")
        if failed:
            text += f"\n{'':<34} {len(failed)} stuck, e.g. {failed[0]}"
        return text


def report(phases: list[Phase]) -> None:
    """Prints one line per phase and the comparisons the targets are stated in."""
    for phase in phases:
        print(phase.line())
    by_name = {p.name: p for p in phases}
    echo, linli = by_name.get("echo bot"), by_name.get("linli run")
    if echo and linli and echo.steps_per_second:
        print(f"linli / echo throughput: {linli.steps_per_second / echo.steps_per_second:.2f} "
              f"(target >= 0.8)")
    if linli and len(phases) > 2:
        base = percentile(linli.latencies, 99)
        during = percentile(phases[2].latencies, 99)
        print(f"p99 during the broadcast / without: {during / base:.2f} (target <= 2)")
