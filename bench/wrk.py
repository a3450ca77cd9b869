"""Drive one URL with wrk and read req/s, p50 and p99 from its `--latency` report."""

import re
import shutil
import subprocess
from dataclasses import dataclass

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
DURATION = r"([\d.]+)(us|ms|s|m|h)"


@dataclass(frozen=True)
class Load:
    threads: int
    connections: int
    seconds: int


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors (connect, read, write, timeout)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk not found: `apt-get install -y wrk` (Debian/Ubuntu)")
    return found


def run(url: str, load: Load, headers: dict[str, str]) -> Result:
    command = [wrk_binary(), "--latency", f"-t{load.threads}", f"-c{load.connections}"]
    command += [f"-d{load.seconds}s", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603 (wrk from PATH, our own arguments)
        [*command, url], capture_output=True, text=True, check=True
    )
    return parse(done.stdout)


def _ms(text: str) -> float:
    match = re.fullmatch(DURATION, text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * UNIT_MS[match[2]]


def parse(report: str) -> Result:
    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, report, re.MULTILINE)
        if match is None:
            raise ValueError(f"wrk report without {pattern!r}:\n{report}")
        return match

    socket_errors = re.search(r"Socket errors: (.*)$", report, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    return Result(
        rps=float(find(r"^Requests/sec:\s+([\d.]+)")[1]),
        p50_ms=_ms(find(rf"^\s+50%\s+({DURATION})\s*$")[1]),
        p99_ms=_ms(find(rf"^\s+99%\s+({DURATION})\s*$")[1]),
        requests=int(find(r"^\s+(\d+) requests in")[1]),
        errors=(int(non_2xx[1]) if non_2xx else 0)
        + (sum(map(int, re.findall(r"\d+", socket_errors[1]))) if socket_errors else 0),
    )
