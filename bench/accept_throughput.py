"""Benchmark: employers accepting applications at the same time, on PostgreSQL (issue 11, point 8).

    python bench/accept_throughput.py [--accepts 400] [--threads 8] [--pg-url URL] [--sqlite]

Dataset, in a private database dropped afterwards: one collège near Bobigny with one internship
week, ``--accepts`` pupils with open access and a CV, as many employers each with one published
offer of one seat, and one sent application per pupil to a different offer: the acceptances do
not truly collide (distinct pupils, offers and weeks), so any "réessayez" Conflict is spurious.
The data go through the real services (the same small builders as the unit tests).

Workload: ``--threads`` threads, each with its own Session and connection, take the applications
from a shared queue and call ``applications.accept`` (the employer's click) until none is left.
Prints ONE JSON line: accepts per second, latency p50/p95 (ms), spurious conflicts, errors.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from bench.common import pg_database  # noqa: E402
from stages_app.db import create_all, make_engine  # noqa: E402
from stages_app.services import applications as apps  # noqa: E402
from stages_app.services.errors import DomainError  # noqa: E402
from tests.unit import application_helpers as ah  # noqa: E402
from tests.unit.application_helpers import W1  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def build(url: str, n: int) -> list[tuple[object, int]]:
    """(employer viewer, application id) for ``n`` sent applications that do not collide."""
    engine = make_engine(url)
    create_all(engine)
    work = []
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        for _ in range(n):
            emp, offer_id = ah.offer(session, w, weeks=((W1, 1),))
            work.append((emp, ah.submitted(session, ah.pupil(session, w), offer_id, W1)))
    engine.dispose()
    return work


def run(url: str, work: list[tuple[object, int]], threads: int) -> dict[str, object]:
    engine = make_engine(url, pool_size=threads + 2, max_overflow=0)
    todo: queue.Queue[tuple[object, int]] = queue.Queue()
    for item in work:
        todo.put(item)
    latencies: list[float] = []
    conflicts: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        with Session(engine, expire_on_commit=False) as session:
            session.connection()
            session.rollback()
            barrier.wait()
            while True:
                try:
                    emp, app_id = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    apps.accept(session, emp, app_id)  # type: ignore[arg-type]
                    outcome = None
                except DomainError as exc:
                    outcome = ("conflict", exc.message)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    session.rollback()
                    outcome = ("error", f"{type(exc).__name__}: {exc}")
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    if outcome and outcome[0] == "conflict":
                        conflicts.append(outcome[1])
                    elif outcome:
                        errors.append(outcome[1])

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    wall = time.perf_counter() - start
    engine.dispose()
    ms = sorted(x * 1000 for x in latencies)
    accepted = len(latencies) - len(conflicts) - len(errors)
    return {
        "accepts": accepted,
        "threads": threads,
        "wall_s": round(wall, 3),
        "accepts_per_s": round(accepted / wall, 1) if wall else None,
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None,
        "spurious_conflicts": len(conflicts),
        "conflict_examples": sorted(set(conflicts))[:3],
        "errors": errors[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepts", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--sqlite", action="store_true", help="also on a SQLite file")
    args = parser.parse_args(argv)
    report: dict[str, object] = {"bench": "accept_throughput", "target_pg_accepts_per_s": 300}
    with pg_database(args.pg_url) as url:
        build_start = time.perf_counter()
        work = build(url, args.accepts)
        report["build_s"] = round(time.perf_counter() - build_start, 1)
        report["postgresql"] = run(url, work, args.threads)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            report["sqlite"] = run(url, build(url, args.accepts), args.threads)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
