"""The machine summary and the result table (markdown, ready for docs/benchmarks.md)."""

import argparse
import os
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench.wrk import Result

TARGET = 0.70  # full/bare req/s we aim for
COLUMNS = "endpoint|full req/s|full p50|full p99|bare req/s|bare p50|bare p99|full/bare".split("|")


@dataclass(frozen=True)
class Row:
    endpoint: str
    full: Result
    bare: Result
    round_ratios: tuple[float, ...]  # full/bare req/s of each round, to judge the noise

    @property
    def ratio(self) -> float:
        return self.full.rps / self.bare.rps if self.bare.rps else 0.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_summary(args: argparse.Namespace) -> str:
    """args.load_generator is the generator used: wrk, or python (bench/loadgen.py)."""
    load1, load5, _ = os.getloadavg()
    python = args.load_generator == "python"
    generator = "python -m bench.loadgen" if python else "wrk"
    caveat = " (Python, on the servers' CPUs: not comparable with wrk)" if python else ""
    overrides = f"\nfull app overrides: {' '.join(args.full_env)}" if args.full_env else ""
    return (
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; load average {load1:.2f} / {load5:.2f}\n"
        f"software: Python {platform.python_version()}, velithon {version('velithon')}, "
        f"granian {version('granian')}, uvloop {version('uvloop')}\n"
        f"load: {generator} -t{args.threads} -c{args.connections} -d{args.duration}s after "
        f"{args.warmup}s warm-up, {args.rounds} round(s); server workers: {args.workers}"
        f"{caveat}{overrides}"
    )


def _cells(result: Result) -> str:
    return f"{result.rps:,.0f} | {result.p50_ms:.2f} ms | {result.p99_ms:.2f} ms"


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print()
    print(machine_summary(args))
    print()
    print(f"| {' | '.join(COLUMNS)} |")
    print("|---" + "|--:" * (len(COLUMNS) - 1) + "|")
    for row in rows:
        print(f"| {row.endpoint} | {_cells(row.full)} | {_cells(row.bare)} | {row.ratio:.2f}x |")
    print()
    missing = [row.endpoint for row in rows if row.ratio < TARGET]
    print(f"target: full/bare >= {TARGET:.2f}x req/s; ", end="")
    print(f"below target: {', '.join(missing)}" if missing else "every endpoint meets it")
    if args.rounds > 1:
        print("full/bare per round (spread = noise of this machine):")
        for row in rows:
            print(f"  {row.endpoint}: {', '.join(f'{r:.2f}x' for r in row.round_ratios)}")
    for row in rows:
        for name, result in (("full", row.full), ("bare", row.bare)):
            if result.errors:
                print(
                    f"warning: {name} {row.endpoint}: {result.errors} errors of {result.requests}"
                )
