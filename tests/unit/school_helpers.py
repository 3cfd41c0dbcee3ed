"""A small synthetic world of two collèges with every kind of person, for the access-table,
school-settings, staff and pupil tests (rows built directly with the models: no bcrypt)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from stages_app.models import (
    ClassFollow,
    InternshipWeek,
    Invitation,
    Organisation,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    StaffMembership,
    User,
    UserStatus,
    utcnow,
)
from stages_app.services.access import Viewer
from stages_app.services.accounts import hash_token
from stages_app.services.errors import DomainError

DUMMY_HASH = "$2b$04$" + "x" * 53  # never used to log in
STAFF_FUNCTIONS = (
    "professeur_principal",
    "professeur",
    "cpe",
    "documentaliste",
    "psy_en",
    "administratif",
)
SHORT = {
    "professeur_principal": "pp",
    "professeur": "prof",
    "cpe": "cpe",
    "documentaliste": "doc",
    "psy_en": "psy",
    "administratif": "adm",
}
STATUSES = ("granted", "pending", "revoked")
# a fixed "now" inside the school year 2026-2027 (a Wednesday, Paris afternoon)
NOW = dt.datetime(2026, 11, 18, 14, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)
INVITATION_TOKEN = "jeton-invitation-de-test"


@dataclasses.dataclass
class World:
    schools: dict[str, School]
    classes: dict[str, SchoolClass]
    users: dict[str, User]
    memberships: dict[str, StaffMembership]
    pupils: dict[str, PupilProfile]
    weeks: dict[str, InternshipWeek]
    invitations: dict[str, Invitation]

    def viewer(self, key: str | None) -> Viewer | None:
        if key is None or key == "anonymous":
            return None
        return Viewer.of(self.users[key])

    def uid(self, key: str) -> int:
        return self.users[key].id


def _user(
    session: Session,
    key: str,
    role: Role,
    domain: str,
    first: str,
    last: str,
    status: UserStatus = UserStatus.ACTIVE,
) -> User:
    user = User(
        email=f"{key.replace('_', '.')}@{domain}",
        password_hash=DUMMY_HASH,
        role=role.value,
        first_name=first,
        last_name=last,
        status=status.value,
        email_confirmed_at=utcnow(),
    )
    session.add(user)
    return user


def build_world(session: Session) -> World:
    """School A (Créteil): a principal; every staff function granted, pending and revoked; a
    professeur following nothing; a disabled CPE; classes 3e A (its professeur principal
    pp_granted, followed by the professeurs), 3e B (led by the revoked pp), 3e C (closed), 3e D
    (empty); pupils waiting, authorised, open (3e A), open in 3e B, open in closed 3e C; one
    internship week; a live invitation. School B (Paris): principal, CPE, professeur following
    its class, an open pupil. Plus an employer and a platform admin."""
    a = School(
        uai="0931234A",
        name="Collège Jean Moulin",
        commune_name="Aubervilliers",
        commune_insee="93001",
        postal_code="93300",
        academy_domain="ac-creteil.fr",
        latitude=48.9146,
        longitude=2.3821,
    )
    b = School(
        uai="0751234B",
        name="Collège Victor Hugo",
        commune_name="Paris 3e Arrondissement",
        commune_insee="75103",
        postal_code="75003",
        academy_domain="ac-paris.fr",
        latitude=48.86,
        longitude=2.36,
    )
    session.add_all([a, b])
    session.flush()
    classes = {
        "class_a": SchoolClass(school_id=a.id, name="3e A", join_code="AAAAA2"),
        "class_b": SchoolClass(school_id=a.id, name="3e B", join_code="BBBBB2"),
        "class_c": SchoolClass(school_id=a.id, name="3e C", join_code="CCCCC2", access_open=False),
        "class_d": SchoolClass(school_id=a.id, name="3e D", join_code="DDDDD2"),
        "class_b1": SchoolClass(school_id=b.id, name="3e 1", join_code="EEEEE2"),
    }
    session.add_all(classes.values())
    users: dict[str, User] = {}
    users["principal_a"] = _user(
        session, "ce.0931234a", Role.PRINCIPAL, "ac-creteil.fr", "Anne", "Ernaux"
    )
    for function in STAFF_FUNCTIONS:
        role = Role.TEACHER if function in ("professeur_principal", "professeur") else Role.STAFF
        for status in STATUSES:
            key = f"{SHORT[function]}_{status}"
            users[key] = _user(
                session, key, role, "ac-creteil.fr", "Prénom", f"{SHORT[function].title()} {status}"
            )
    users["prof_other"] = _user(
        session, "prof_other", Role.TEACHER, "ac-creteil.fr", "Paul", "Autre"
    )
    users["cpe_disabled"] = _user(
        session,
        "cpe_disabled",
        Role.STAFF,
        "ac-creteil.fr",
        "Dora",
        "Bloquée",
        status=UserStatus.DISABLED,
    )
    users["principal_b"] = _user(
        session, "ce.0751234b", Role.PRINCIPAL, "ac-paris.fr", "Boris", "Vian"
    )
    users["cpe_b"] = _user(session, "cpe_b", Role.STAFF, "ac-paris.fr", "Claire", "Bé")
    users["prof_b"] = _user(session, "prof_b", Role.TEACHER, "ac-paris.fr", "Pierre", "Bé")
    for key, first, last in [
        ("pupil_waiting", "Wassim", "Attente"),
        ("pupil_authorised", "Amina", "Autorisée"),
        ("pupil_open", "Olivier", "Ouvert"),
        ("pupil_3eb", "Béatrice", "Bé"),
        ("pupil_closed", "Chloé", "Fermée"),
        ("pupil_b", "Bruno", "Paris"),
    ]:
        users[key] = _user(session, key, Role.STUDENT, "exemple.fr", first, last)
    users["employer"] = _user(session, "employer", Role.EMPLOYER, "exemple.fr", "Émile", "Patron")
    users["admin"] = _user(session, "admin", Role.ADMIN, "exemple.fr", "Ada", "Admin")
    session.flush()
    session.add(Organisation(owner_id=users["employer"].id, name="Boulangerie", kind="entreprise"))

    memberships: dict[str, StaffMembership] = {}

    def member(key: str, school: School, function: str, status: str) -> None:
        memberships[key] = StaffMembership(
            user_id=users[key].id,
            school_id=school.id,
            function=function,
            status=status,
            granted_at=utcnow() if status != "pending" else None,
            revoked_at=utcnow() if status == "revoked" else None,
        )
        session.add(memberships[key])

    member("principal_a", a, "principal", "granted")
    for function in STAFF_FUNCTIONS:
        for status in STATUSES:
            member(f"{SHORT[function]}_{status}", a, function, status)
    member("prof_other", a, "professeur", "granted")
    member("cpe_disabled", a, "cpe", "granted")
    member("principal_b", b, "principal", "granted")
    member("cpe_b", b, "cpe", "granted")
    member("prof_b", b, "professeur", "granted")
    session.flush()
    memberships["pp_pending"].requested_class_id = classes["class_a"].id
    classes["class_a"].main_teacher_id = users["pp_granted"].id
    classes["class_b"].main_teacher_id = users["pp_revoked"].id
    for key in ("prof_granted", "prof_pending", "prof_revoked"):
        session.add(ClassFollow(user_id=users[key].id, class_id=classes["class_a"].id))
    session.add(ClassFollow(user_id=users["prof_b"].id, class_id=classes["class_b1"].id))

    pupils: dict[str, PupilProfile] = {}
    opened = NOW - dt.timedelta(days=3)
    received = TODAY - dt.timedelta(days=5)
    for key, klass, auth, open_ in [
        ("pupil_waiting", "class_a", False, False),
        ("pupil_authorised", "class_a", True, False),
        ("pupil_open", "class_a", True, True),
        ("pupil_3eb", "class_b", True, True),
        ("pupil_closed", "class_c", True, True),
        ("pupil_b", "class_b1", True, True),
    ]:
        k = classes[klass]
        pupils[key] = PupilProfile(
            user_id=users[key].id,
            school_id=k.school_id,
            class_id=k.id,
            authorisation_received_on=received if auth else None,
            access_opened_at=opened if open_ else None,
        )
        session.add(pupils[key])
    weeks = {
        "week_a": InternshipWeek(school_id=a.id, week_start=dt.date(2027, 1, 11), school_year=2026),
        "week_b": InternshipWeek(school_id=b.id, week_start=dt.date(2027, 1, 11), school_year=2026),
    }
    session.add_all(weeks.values())
    invitations = {
        "inv_a": Invitation(
            school_id=a.id,
            email="invite@ac-creteil.fr",
            function="cpe",
            token_hash=hash_token(INVITATION_TOKEN),
            invited_by_id=users["principal_a"].id,
            created_at=NOW - dt.timedelta(days=1),
            expires_at=NOW + dt.timedelta(days=6),
        ),
    }
    session.add_all(invitations.values())
    session.commit()
    return World(
        {"school_a": a, "school_b": b}, classes, users, memberships, pupils, weeks, invitations
    )


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table (compared before/after a refused action)."""
    session.expire_all()
    result = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        result[table.name] = [tuple(r) for r in rows]
    return result


def race(engine, call, n=6):
    """Run ``call(session)`` in ``n`` threads released together; the outcomes, by kind."""
    barrier, outcomes, lock = threading.Barrier(n), Counter(), threading.Lock()

    def run():
        barrier.wait()
        with Session(engine) as s:
            try:
                call(s)
                kind = "ok"
            except DomainError as exc:
                kind = type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - reported by the assertion
                kind = f"crash {type(exc).__name__}: {exc}"
        with lock:
            outcomes[kind] += 1

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(outcomes)
