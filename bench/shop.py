"""The example shop under `make bench`: its cached product reads, and the CSV export.

The export is GET /export/users over 100,000 rows, streamed from the full app. It reports
rows/s, time to the first byte, and how much the serving worker's memory (RSS) grew while it
ran: the export must stream, not collect (target: under 20 MB)."""

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.servers import Backing
from tests.server import Server

# GET /products/1 and GET /products?limit=20: 30 products; the bare app reads each answer as
# one JSON string under these keys (the full app from its cache).
PRODUCTS = (
    "INSERT INTO products (sku, name, description, price, stock) "
    "SELECT 'BENCH-' || i, 'Product ' || i, 'A product to measure with.', 9.99 + i, i "
    "FROM generate_series(1, 30) AS i"
)
PRODUCT_KEY = ("bench", "product", "1")
PRODUCTS_PAGE_KEY = ("bench", "products", "limit=20")
# (label, path, authenticated), measured beside bench/run.py's own endpoints.
SHOP_ENDPOINTS = (
    ("GET /products/{id} (cache hit)", "/products/1", False),
    ("GET /products?limit=20 (cache hit)", "/products?limit=20", False),
)
ROWS = 100_000
RSS_TARGET_MB = 20.0


@dataclass(frozen=True)
class ExportResult:
    rows: int
    seconds: float
    first_byte_ms: float
    rss_growth_mb: float

    def report(self) -> str:
        verdict = "within" if self.rss_growth_mb < RSS_TARGET_MB else "ABOVE"
        return (
            f"GET /export/users, {self.rows:,} rows: {self.rows / self.seconds:,.0f} rows/s, "
            f"{self.seconds:.2f} s, first byte after {self.first_byte_ms:.0f} ms, worker RSS "
            f"+{self.rss_growth_mb:.1f} MB ({verdict} the {RSS_TARGET_MB:.0f} MB target)"
        )


def cached_paths() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Each cached read's bare-app key and its path."""
    return ((PRODUCT_KEY, "/products/1"), (PRODUCTS_PAGE_KEY, "/products?limit=20"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers(server: Server) -> list[int]:
    """The granian workers: the children of the server's master process."""
    if server.process is None:
        raise RuntimeError("the server is not running")
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] or [server.process.pid]


def measure_export(full: Server, backing: Backing, admin_token: str) -> ExportResult:
    backing.execute(
        "INSERT INTO users (email, name, password_hash) SELECT 'export' || i || '@example.com', "
        "'Export, \"user\" ' || i, 'x' FROM generate_series(1, $1::int) AS i",
        ROWS,
    )
    pids = workers(full)
    before = {pid: rss_kb(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_kb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    headers = {"Authorization": f"Bearer {admin_token}"}
    started = time.perf_counter()
    first_byte = 0.0
    lines = 0
    with httpx.stream("GET", full.url + "/export/users", headers=headers, timeout=120) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_bytes():
            if not first_byte:
                first_byte = time.perf_counter() - started
            lines += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    growth = max(peak[pid] - before[pid] for pid in pids) / 1024
    return ExportResult(lines - 1, seconds, first_byte * 1000, growth)
