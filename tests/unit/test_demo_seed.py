"""The demo a newcomer sees after `make run`: one REP+ collège with its people, classes, weeks,
employers, offers and applications, seeded idempotently from a small synthetic directory."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from stages_app.models import (
    CV,
    Application,
    ApplicationEvent,
    ClassFollow,
    Commune,
    InternshipWeek,
    Offer,
    OfferWeek,
    Organisation,
    PupilProfile,
    School,
    SchoolClass,
    Sector,
    StaffMembership,
    User,
)
from stages_app.services import demo
from stages_app.services.errors import DomainError
from stages_app.services.geo import destination, haversine_km
from stages_app.services.passwords import verify_password
from stages_app.services.text import search_key

BOBIGNY = (48.90679, 2.43522)
SECTOR_NAMES = [
    "Bâtiment et travaux publics (BTP)",
    "Hôtellerie, restauration",
    "Commerce et distribution",
    "Informatique et réseaux",
    "Sport",
    "Social",
]


def _commune(insee, name, lat, lon, population, full_name=None, **extra) -> Commune:
    return Commune(
        insee_code=insee,
        name=name,
        full_name=full_name or name,
        search_name=search_key(full_name or name),
        department_code=insee[:2],
        postal_codes=f"{insee[:2]}{insee[2:]}",
        population=population,
        latitude=lat,
        longitude=lon,
        **extra,
    )


def _reference(session: Session, *, uai: str = demo.PREFERRED_UAI) -> None:
    """A REP+ collège, 15 communes within 60 km (one of them a city with arrondissements),
    4 beyond, 6 active sectors and one inactive."""
    session.add(
        School(
            uai=uai,
            name="Collège République",
            address="1 rue de la République",
            postal_code="93000",
            commune_name="Bobigny",
            commune_insee="93008",
            department_code="93",
            academy_code="24",
            academy_name="Créteil",
            academy_domain="ac-creteil.fr",
            latitude=BOBIGNY[0],
            longitude=BOBIGNY[1],
            priority_education="REP+",
        )
    )
    session.add(_commune("93008", "Bobigny", *BOBIGNY, 53640))
    for i, (bearing, km) in enumerate(
        [
            (0, 3),
            (40, 6),
            (80, 9),
            (120, 11),
            (160, 15),
            (200, 20),
            (240, 25),
            (280, 30),
            (320, 38),
            (20, 45),
            (100, 52),
            (180, 57),
        ]
    ):
        lat, lon = destination(*BOBIGNY, bearing, km)
        session.add(
            _commune(
                f"9{i:04d}",
                f"Ville proche {i}",
                lat,
                lon,
                100_000 - i * 5_000,
                full_name=f"La Ville proche {i}",
            )
        )
    # A city and two of its arrondissements: offers go to the arrondissements.
    session.add(_commune("75056", "Paris", *destination(*BOBIGNY, 225, 9), 2_100_000))
    session.add(
        _commune(
            "75111",
            "Paris 11e Arrondissement",
            *destination(*BOBIGNY, 215, 7),
            146_000,
            kind="ARM",
            parent_insee_code="75056",
        )
    )
    session.add(
        _commune(
            "75120",
            "Paris 20e Arrondissement",
            *destination(*BOBIGNY, 190, 6),
            195_000,
            kind="ARM",
            parent_insee_code="75056",
        )
    )
    for i, km in enumerate((61, 75, 120, 300)):
        lat, lon = destination(*BOBIGNY, 90 * i + 10, km)
        session.add(_commune(f"8{i:04d}", f"Ville lointaine {i}", lat, lon, 3_000_000))
    session.add(_commune("97999", "Sans coordonnées", None, None, 5_000_000))
    for name in SECTOR_NAMES:
        session.add(Sector(uuid=str(uuid.uuid4()), name=name))
    session.add(Sector(uuid=str(uuid.uuid4()), name="Mode", active=False))
    session.commit()


@pytest.fixture
def reference(engine):
    with Session(engine) as session:
        _reference(session)
    return engine


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _table_counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            t.name: session.exec(select(func.count()).select_from(t)).one()
            for t in SQLModel.metadata.sorted_tables
        }


def test_seed_builds_a_whole_school_year(reference):
    summary = demo.seed_demo(reference)

    assert summary.startswith(
        "Démo prête : Collège République (0931194T, Bobigny), 2 classes, "
        "25 élèves, 4 employeurs, 40 offres (36 publiées), 21 candidatures"
    )
    with Session(reference) as s:
        school = s.exec(select(School)).one()
        assert school.registered_at is not None
        roles = Counter(s.exec(select(User.role)).all())
        assert roles == {
            "principal": 1,
            "teacher": 3,
            "staff": 2,
            "student": 25,
            "employer": 4,
            "admin": 1,
        }
        users = {u.email: u for u in s.exec(select(User)).all()}
        assert all(u.status == "active" and u.email_confirmed_at for u in users.values())
        assert len({u.password_hash for u in users.values()}) == 1  # hashed once

        # Staff: the principal on the functional address, rights granted except one pending.
        principal = users["ce.0931194t@ac-creteil.fr"]
        assert principal.role == "principal"
        memberships = {m.user_id: m for m in s.exec(select(StaffMembership)).all()}
        assert Counter((m.function, m.status) for m in memberships.values()) == {
            ("principal", "granted"): 1,
            ("professeur_principal", "granted"): 2,
            ("professeur", "granted"): 1,
            ("cpe", "granted"): 1,
            ("documentaliste", "pending"): 1,
        }
        assert all(m.school_id == school.id for m in memberships.values())
        staff_emails = [u.email for u in users.values() if u.role in ("teacher", "staff")]
        assert all(e.endswith("@ac-creteil.fr") for e in staff_emails)

        # Classes, their professeur principal, the teacher following both.
        classes = {c.name: c for c in s.exec(select(SchoolClass)).all()}
        assert set(classes) == {"3e A", "3e B"}
        assert len({c.join_code for c in classes.values()}) == 2
        assert classes["3e A"].main_teacher_id == users[demo.DEMO_MAIN_TEACHER_EMAIL].id
        teacher = users[demo.DEMO_TEACHER_EMAIL]
        follows = s.exec(select(ClassFollow).where(ClassFollow.user_id == teacher.id)).all()
        assert {f.class_id for f in follows} == {c.id for c in classes.values()}

        # Pupils: most opened by their professeur principal, some waiting.
        profiles = s.exec(select(PupilProfile)).all()
        opened = [p for p in profiles if p.access_opened_at]
        assert len(opened) == 20
        assert all(p.authorisation_received_on and p.access_opened_by_id for p in opened)
        assert {p.access_opened_by_id for p in opened} == {
            c.main_teacher_id for c in classes.values()
        }
        waiting = [p for p in profiles if not p.access_opened_at]
        assert sum(p.authorisation_received_on is None for p in waiting) == 3
        assert sum(p.authorisation_received_on is not None for p in waiting) == 2
        assert all(
            users_email.endswith("@eleve.exemple.fr")
            for users_email in users
            if users[users_email].role == "student"
        )
        waiting_pupil = users[demo.DEMO_WAITING_PUPIL_EMAIL]
        waiting_profile = next(p for p in profiles if p.user_id == waiting_pupil.id)
        assert waiting_profile.authorisation_received_on is None

        # Internship weeks: three future Mondays of one school year.
        weeks = s.exec(select(InternshipWeek).order_by(InternshipWeek.week_start)).all()
        year, expected = demo.demo_internship_weeks(dt.date.today())
        assert [w.week_start for w in weeks] == expected
        assert all(w.week_start.weekday() == 0 and w.week_start > dt.date.today() for w in weeks)
        assert {w.school_year for w in weeks} == {year}
        assert expected[2] - expected[1] == dt.timedelta(days=7)
        assert all(dt.date(year, 9, 1) <= d <= dt.date(year + 1, 8, 31) for d in expected)

        # Employers and offers.
        orgs = s.exec(select(Organisation)).all()
        assert Counter(o.kind for o in orgs) == {
            "entreprise": 2,
            "administration": 1,
            "association": 1,
        }
        offers = s.exec(select(Offer)).all()
        assert Counter(o.status for o in offers) == {"published": 36, "draft": 3, "unpublished": 1}
        assert len({(o.organisation_id, o.title) for o in offers}) == 40
        communes = {c.insee_code: c for c in s.exec(select(Commune)).all()}
        sector_ids = {x.id for x in s.exec(select(Sector).where(Sector.active)).all()}
        for offer in offers:
            assert haversine_km(*BOBIGNY, offer.latitude, offer.longitude) <= demo.DEMO_RADIUS_KM
            commune = communes[offer.commune_insee]
            assert (offer.latitude, offer.longitude) == (commune.latitude, commune.longitude)
            assert offer.commune_name == commune.full_name  # "La Courneuve", not "Courneuve"
            assert offer.commune_insee != "75056"  # the arrondissement, not the whole city
            assert offer.sector_id in sector_ids
            assert offer.tutor_name and offer.practical_info and len(offer.description) > 100
            assert (offer.published_at is not None) == (offer.status != "draft")
        assert len({o.commune_insee for o in offers}) >= 8
        distances = [haversine_km(*BOBIGNY, o.latitude, o.longitude) for o in offers]
        assert min(distances) < 5 and max(distances) > 20  # next door and across the area
        assert len({o.sector_id for o in offers}) == len(SECTOR_NAMES)

        offer_by_id = {o.id: o for o in offers}
        offer_weeks = s.exec(select(OfferWeek)).all()
        for ow in offer_weeks:
            offer = offer_by_id[ow.offer_id]
            assert ow.week_start in expected
            assert 1 <= ow.seats <= 4 and 0 <= ow.accepted_count <= ow.seats
            assert (ow.latitude, ow.longitude) == (offer.latitude, offer.longitude)
            assert ow.searchable == (offer.status == "published" and ow.accepted_count < ow.seats)
        assert sum(ow.accepted_count == ow.seats for ow in offer_weeks) >= 2
        per_offer = Counter(ow.offer_id for ow in offer_weeks)
        assert set(per_offer) == set(offer_by_id) and set(per_offer.values()) <= {1, 2, 3}

        # Applications, their history and the rules R3, R4, R6, R7.
        apps = s.exec(select(Application)).all()
        assert {"draft", "submitted", "read", "accepted", "refused", "withdrawn"} <= {
            a.status for a in apps
        }
        accepted = [a for a in apps if a.status == "accepted"]
        assert len({(a.student_id, a.week_start) for a in accepted}) == len(accepted)  # R3
        assert max(Counter((a.student_id, a.school_year) for a in accepted).values()) <= 2  # R4
        assert max(Counter(a.student_id for a in accepted).values()) == 2
        ow_by_id = {ow.id: ow for ow in offer_weeks}
        assert Counter(a.offer_week_id for a in accepted) == {
            ow.id: ow.accepted_count for ow in offer_weeks if ow.accepted_count
        }  # R6: counters match, and never exceed seats (checked above)
        assert len({(a.student_id, a.offer_id, a.week_start) for a in apps}) == len(apps)  # R7
        opened_ids = {p.user_id for p in opened}
        owners = {o.id: o.owner_id for o in orgs}
        for app in apps:
            ow = ow_by_id[app.offer_week_id]
            assert (ow.offer_id, ow.week_start) == (app.offer_id, app.week_start)
            assert app.student_id in opened_ids and app.school_year == year
            assert offer_by_id[app.offer_id].status == "published"
            events = s.exec(
                select(ApplicationEvent)
                .where(ApplicationEvent.application_id == app.id)
                .order_by(ApplicationEvent.at)
            ).all()
            assert events[0].from_status is None and events[0].to_status == "draft"
            assert events[-1].to_status == app.status
            assert all(a.to_status == b.from_status for a, b in itertools.pairwise(events))
            assert all(a.at < b.at for a, b in itertools.pairwise(events))
            for event in events:
                expected_actor = {
                    "read": owners[offer_by_id[app.offer_id].organisation_id],
                    "accepted": owners[offer_by_id[app.offer_id].organisation_id],
                    "refused": owners[offer_by_id[app.offer_id].organisation_id],
                    "cancelled_auto": None,
                }.get(event.to_status, app.student_id)
                assert event.actor_id == expected_actor
            if app.status == "draft":
                assert app.letter and app.letter_sent is None and app.cv_sent is None
            else:
                assert app.letter_sent == app.letter and "{" not in app.letter
                assert set(json.loads(app.cv_sent)) == {
                    "about",
                    "school_path",
                    "interests",
                    "qualities",
                    "languages",
                    "experiences",
                }
                assert app.submitted_at is not None
            if app.status in ("refused", "withdrawn", "cancelled_auto"):
                assert events[-1].reason
            if app.status == "refused":
                assert app.answer_message == events[-1].reason
        # R5: a cancelled_auto happens exactly when the pupil's acceptance does.
        for app in (a for a in apps if a.status == "cancelled_auto"):
            last = s.exec(
                select(ApplicationEvent)
                .where(ApplicationEvent.application_id == app.id)
                .order_by(ApplicationEvent.at.desc())
            ).first()
            acceptances = s.exec(
                select(ApplicationEvent)
                .join(Application)
                .where(
                    Application.student_id == app.student_id,
                    ApplicationEvent.to_status == "accepted",
                )
            ).all()
            assert any(abs((last.at - e.at).total_seconds()) <= 1 for e in acceptances)
        assert _count(s, CV) >= 10


def test_seeding_twice_duplicates_nothing(reference):
    demo.seed_demo(reference)
    before = _table_counts(reference)
    summary = demo.seed_demo(reference)
    assert summary.startswith("Démo déjà présente")
    assert "25 élèves, 4 employeurs, 40 offres" in summary
    assert _table_counts(reference) == before


def test_every_demo_login_works_with_the_shared_password(reference):
    demo.seed_demo(reference)
    lines = demo.demo_logins(reference)
    assert "Collège République" in lines[0] and demo.DEMO_PASSWORD in lines[0]
    emails = [line.split()[-2] for line in lines[1:]]
    assert emails[0] == "ce.0931194t@ac-creteil.fr"
    assert len(emails) == 9 and len(demo.DEMO_PASSWORD) >= 12
    with Session(reference) as s:
        for email in emails:
            user = s.exec(select(User).where(User.email == email)).one()
            assert verify_password(demo.DEMO_PASSWORD, user.password_hash), email
            assert not verify_password("mauvais-mot-de-passe", user.password_hash)


def test_without_reference_data_the_seed_asks_for_the_import(sqlite_engine):
    with pytest.raises(DomainError, match="import-reference"):
        demo.seed_demo(sqlite_engine)
    assert all(n == 0 for n in _table_counts(sqlite_engine).values())


def test_other_rep_plus_school_when_the_preferred_one_is_missing(sqlite_engine):
    with Session(sqlite_engine) as session:
        _reference(session, uai="0771029A")
        session.add(
            School(
                uai="0010001A",
                name="Collège Ordinaire",
                latitude=46.0,
                longitude=5.0,
                academy_domain="ac-lyon.fr",
            )
        )
        session.commit()
    summary = demo.seed_demo(sqlite_engine)
    assert "(0771029A, Bobigny)" in summary
    lines = demo.demo_logins(sqlite_engine)
    assert "ce.0771029a@ac-creteil.fr" in lines[1]
    assert demo.seed_demo(sqlite_engine).startswith("Démo déjà présente")


def test_without_any_commune_nearby_offers_stay_at_the_college(sqlite_engine):
    with Session(sqlite_engine) as session:
        _reference(session)
        for commune in session.exec(select(Commune)).all():
            session.delete(commune)
        session.commit()
    demo.seed_demo(sqlite_engine)
    with Session(sqlite_engine) as s:
        assert {o.commune_insee for o in s.exec(select(Offer)).all()} == {"93008"}


def test_logins_without_a_demo_database_use_the_preferred_college(sqlite_engine):
    lines = demo.demo_logins(sqlite_engine)
    assert demo.DEMO_PRINCIPAL_EMAIL == "ce.0931194t@ac-creteil.fr"
    assert demo.DEMO_PRINCIPAL_EMAIL in lines[1]
    assert all(demo.DEMO_PASSWORD in line for line in lines)
    roles = " ".join(lines)
    for label in (
        "Chef d'établissement",
        "Professeur principal",
        "Professeur",
        "CPE",
        "Élève (accès ouvert)",
        "autorisation parentale",
        "Employeur",
        "Administrateur",
    ):
        assert label in roles


@pytest.mark.parametrize(
    ("today", "year", "first"),
    [
        (dt.date(2026, 9, 1), 2026, dt.date(2026, 12, 7)),
        (dt.date(2026, 11, 28), 2026, dt.date(2026, 12, 7)),
        (dt.date(2026, 12, 6), 2026, dt.date(2026, 12, 7)),
        (dt.date(2026, 12, 7), 2027, dt.date(2027, 12, 13)),
        (dt.date(2027, 3, 20), 2027, dt.date(2027, 12, 13)),
        (dt.date(2027, 8, 31), 2027, dt.date(2027, 12, 13)),
    ],
)
def test_internship_weeks_are_future_mondays_of_one_school_year(today, year, first):
    got_year, weeks = demo.demo_internship_weeks(today)
    assert got_year == year and weeks[0] == first
    assert all(w.weekday() == 0 and w > today for w in weeks)
    assert weeks[2] == weeks[1] + dt.timedelta(days=7)
    assert dt.date(year, 9, 1) <= weeks[0] < weeks[1] <= dt.date(year + 1, 8, 31)


def test_a_failing_seed_leaves_nothing_behind(sqlite_engine, monkeypatch):
    with Session(sqlite_engine) as session:
        _reference(session)
    before = _table_counts(sqlite_engine)

    def boom(*_args, **_kwargs):
        raise RuntimeError("panne au milieu du remplissage")

    monkeypatch.setattr(demo._Seeder, "applications", boom)
    with pytest.raises(RuntimeError):
        demo.seed_demo(sqlite_engine)
    assert _table_counts(sqlite_engine) == before  # one transaction: all or nothing
    monkeypatch.undo()
    assert demo.seed_demo(sqlite_engine).startswith("Démo prête")


def test_demo_offers_are_found_by_keyword(reference):
    """The keyword filter searches Offer.search_text: the demo must fill it like the editor does."""
    from stages_app.models import Offer, Organisation
    from stages_app.services.offers import offer_search_text

    demo.seed_demo(reference)
    with Session(reference) as s:
        rows = s.exec(
            select(Offer, Organisation).join(Organisation, Organisation.id == Offer.organisation_id)
        ).all()
        assert rows
        for offer, org in rows:
            assert offer.search_text == offer_search_text(offer.title, offer.description, org.name)
