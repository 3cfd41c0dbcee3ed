"""Benchmark: full national import of the reference directories.

    python bench/import_reference.py --data-dir ../shared/data [--db-url URL] [--runs 2]

Without ``--db-url`` the import goes into a fresh temporary SQLite file, migrated with Alembic
(``stages_app.migrate.upgrade``) exactly as in production, and deleted afterwards. With
``--db-url`` that database is migrated and used as is (nothing is dropped).

Prints ONE JSON line: {"colleges": N, "communes": N, "sectors": N, "seconds": S} where the counts
are read back from the database and ``seconds`` is the duration of the first import. With
``--runs 2`` (or more) the import is repeated into the same database, ``rerun_seconds`` lists the
later durations and the script fails if a re-run changed any count (idempotency).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from stages_app.db import make_engine  # noqa: E402
from stages_app.migrate import upgrade  # noqa: E402
from stages_app.models import Commune, School, Sector  # noqa: E402
from stages_app.services.reference import import_reference  # noqa: E402


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            "colleges": conn.execute(select(func.count()).select_from(School)).scalar_one(),
            "communes": conn.execute(select(func.count()).select_from(Commune)).scalar_one(),
            "sectors": conn.execute(select(func.count()).select_from(Sector)).scalar_one(),
        }


def run(data_dir: Path, url: str, runs: int) -> dict:
    upgrade(url)
    engine = make_engine(url)
    try:
        durations: list[float] = []
        counts: list[dict[str, int]] = []
        for _ in range(runs):
            start = time.perf_counter()
            import_reference(engine, data_dir)
            durations.append(round(time.perf_counter() - start, 3))
            counts.append(_counts(engine))
    finally:
        engine.dispose()
    result: dict = {**counts[0], "seconds": durations[0]}
    if runs > 1:
        result["rerun_seconds"] = durations[1:]
        result["idempotent"] = all(c == counts[0] for c in counts)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path, help="dossier des CSV nationaux")
    parser.add_argument("--db-url", help="base cible (défaut : fichier SQLite temporaire neuf)")
    parser.add_argument(
        "--runs", type=int, default=1, help="nombre d'imports successifs (défaut 1)"
    )
    args = parser.parse_args(argv)
    if args.db_url:
        result = run(args.data_dir, args.db_url, max(1, args.runs))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            result = run(args.data_dir, f"sqlite:///{Path(tmp) / 'bench.db'}", max(1, args.runs))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result.get("idempotent", True) else 1


if __name__ == "__main__":
    sys.exit(main())
