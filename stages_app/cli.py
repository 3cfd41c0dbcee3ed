"""Admin commands: ``python -m stages_app.cli COMMAND``.

- ``migrate``: apply the Alembic migrations to the configured database.
- ``import-reference --data-dir DIR``: import collèges, communes and ONISEP sectors (idempotent).
- ``seed-demo``: create the demo school, people, employers, offers and applications (idempotent).
- ``demo-logins``: print one demo login per role.
- ``send-mails``: one delivery pass of the mail outbox through SMTP (STAGES_SMTP_HOST).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from stages_app import settings

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def _progress_printer() -> tuple[Progress, Callable[[str, int, int], None]]:
    """A rich progress bar fed by the services' ``progress(label, done, total)`` callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(label, total=total)
        progress.update(tasks[label], completed=done, total=total)

    return progress, update


def cmd_migrate(_args: argparse.Namespace) -> int:
    from stages_app.migrate import upgrade

    upgrade()
    print("Base de données à jour.")
    return 0


def cmd_import_reference(args: argparse.Namespace) -> int:
    from stages_app.db import get_engine
    from stages_app.services.errors import ImportDataError
    from stages_app.services.reference import import_reference

    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir()
    if data_dir is None or not data_dir.is_dir():
        print(
            "Dossier des données de référence introuvable : indiquez --data-dir "
            "ou la variable STAGES_DATA_DIR.",
            file=sys.stderr,
        )
        return 2
    progress, update = _progress_printer()
    try:
        with progress:
            counts = import_reference(get_engine(), data_dir, progress=update)
    except ImportDataError as exc:
        print(f"Import annulé, rien n'a été modifié : {exc.message}", file=sys.stderr)
        return 1
    print(
        f"Import terminé : {counts['colleges']} collèges, {counts['communes']} communes, "
        f"{counts['sectors']} secteurs."
    )
    return 0


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    from stages_app.db import get_engine
    from stages_app.services.demo import seed_demo
    from stages_app.services.errors import DomainError

    try:
        summary = seed_demo(get_engine())
    except DomainError as exc:
        print(f"Démo non créée : {exc.message}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_demo_logins(_args: argparse.Namespace) -> int:
    from stages_app.services.demo import demo_logins

    for line in demo_logins():
        print(line)
    return 0


def cmd_send_mails(args: argparse.Namespace) -> int:
    from stages_app.db import get_engine
    from stages_app.services.mail import deliver_pending

    if not settings.SMTP_HOST:
        print(
            "STAGES_SMTP_HOST n'est pas défini : les courriels restent dans la boîte locale "
            "(/admin/courriels)."
        )
        return 0
    report = deliver_pending(get_engine(), limit=args.limit)
    print(f"{report.sent} envoyé(s), {report.retried} à réessayer, {report.failed} abandonné(s).")
    return 0


def cmd_close_past_weeks(_args: argparse.Namespace) -> int:
    from stages_app.db import get_engine
    from stages_app.services.jobs import run_once

    closed = run_once(get_engine())
    print(f"{closed} candidature(s) close(s) : leur semaine a commencé sans réponse.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stages_app.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="appliquer les migrations").set_defaults(func=cmd_migrate)
    p = sub.add_parser("import-reference", help="importer collèges, communes et secteurs")
    p.add_argument(
        "--data-dir", help="dossier des CSV (défaut : STAGES_DATA_DIR ou ../shared/data)"
    )
    p.set_defaults(func=cmd_import_reference)
    sub.add_parser("seed-demo", help="créer les données de démonstration").set_defaults(
        func=cmd_seed_demo
    )
    sub.add_parser("demo-logins", help="afficher les comptes de démonstration").set_defaults(
        func=cmd_demo_logins
    )
    p = sub.add_parser("send-mails", help="envoyer les courriels en attente (un passage)")
    p.add_argument(
        "--limit", type=int, default=200, help="nombre maximal de courriels (défaut : 200)"
    )
    p.set_defaults(func=cmd_send_mails)
    sub.add_parser(
        "close-past-weeks",
        help="clore les candidatures sans réponse dont la semaine a commencé",
    ).set_defaults(func=cmd_close_past_weeks)
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
