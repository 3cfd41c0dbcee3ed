"""The principal's journey through the pickers and the school settings: city then collège,
classes and join codes, internship periods, the national search switch. Bad input gets a clear
French message and leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from stages_app.models import (
    Application,
    Commune,
    InternshipWeek,
    Invitation,
    Offer,
    OfferWeek,
    Organisation,
    School,
    SchoolClass,
    Sector,
    StaffMembership,
)
from stages_app.services import schools, signup
from stages_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.unit.account_helpers import PASSWORD
from tests.unit.school_helpers import NOW, build_world, race, snapshot

# ---------------------------------------------------------------------------------------------
# Pickers
# ---------------------------------------------------------------------------------------------


def _commune(
    session, code, name, full_name=None, *, kind="COM", parent="", postal="", pop=0, dep=None
):
    from stages_app.services.text import search_key

    full = full_name or name
    session.add(
        Commune(
            insee_code=code,
            kind=kind,
            parent_insee_code=parent,
            name=name,
            full_name=full,
            search_name=search_key(full),
            department_code=dep or code[:2],
            postal_codes=postal,
            population=pop,
        )
    )


def _college(session, uai, name, insee, commune_name, postal):
    session.add(
        School(
            uai=uai,
            name=name,
            commune_insee=insee,
            commune_name=commune_name,
            postal_code=postal,
            address="1 rue de l'École",
            academy_domain="ac-test.fr",
        )
    )


@pytest.fixture
def directory(session):
    _commune(session, "91228", "Évry-Courcouronnes", postal="91000;91080", pop=67000)
    _commune(session, "77175", "Évry-Grégy-sur-Yerres", postal="77166", pop=2900)  # no collège
    _commune(session, "75056", "Paris", postal="75003;75011", pop=2100000)
    _commune(
        session,
        "75103",
        "Paris 3e Arrondissement",
        kind="ARM",
        parent="75056",
        postal="75003",
        pop=33000,
    )
    _commune(
        session,
        "75111",
        "Paris 11e Arrondissement",
        kind="ARM",
        parent="75056",
        postal="75011",
        pop=140000,
    )
    _commune(session, "95176", "Cormeilles-en-Parisis", postal="95240", pop=25000)
    _commune(session, "94038", "Haÿ-les-Roses", "L'Haÿ-les-Roses", postal="94240", pop=31000)
    _commune(session, "57306", "Hayange", postal="57700", pop=15000)
    _commune(session, "60391", "Lyons-la-Forêt", postal="27480", pop=700, dep="27")
    _college(session, "0911111A", "Collège Les Pyramides", "91228", "Évry-Courcouronnes", "91000")
    _college(session, "0912222B", "Collège du Village", "91228", "Évry-Courcouronnes", "91080")
    _college(
        session, "0753333C", "Collège Montgolfier", "75103", "Paris 3e Arrondissement", "75003"
    )
    _college(
        session, "0754444D", "Collège Alain-Fournier", "75111", "Paris 11e Arrondissement", "75011"
    )
    _college(session, "0955555E", "Collège Louis Hayet", "95176", "Cormeilles-en-Parisis", "95240")
    _college(session, "0946666F", "Collège Chevreul", "94038", "L'Haÿ-les-Roses", "94240")
    _college(session, "0577777G", "Collège Hurlevent", "57306", "Hayange", "57700")
    _college(session, "0278888H", "Collège Lyons", "60391", "Lyons-la-Forêt", "27480")
    # a collège of New Caledonia: its commune is not in the national gazetteer
    _college(session, "9830001J", "Collège de Rivière Salée", "98818", "Nouméa", "98800")
    session.commit()


@pytest.mark.parametrize("typed", ["evry", "EVRY", "Évry", "  évry-cour ", "courcouronnes"])
def test_a_city_is_found_whatever_the_accents_and_case(session, directory, typed):
    found = schools.search_communes(session, typed)
    assert [c.name for c in found] == ["Évry-Courcouronnes"]  # Évry-Grégy has no collège
    assert found[0].colleges == 2
    assert found[0].insee_code == "91228"
    assert found[0].label == "Évry-Courcouronnes (91000)"


def test_paris_is_one_city_whose_colleges_are_in_its_arrondissements(session, directory):
    found = schools.search_communes(session, "paris")
    assert [c.name for c in found] == ["Paris", "Cormeilles-en-Parisis"]  # prefix first
    paris = found[0]
    assert paris.colleges == 2
    assert "Arrondissement" not in " ".join(c.name for c in found)
    colleges = schools.colleges_in_commune(session, paris.insee_code)
    assert [(c.name, c.commune) for c in colleges] == [
        ("Collège Alain-Fournier", "Paris 11e Arrondissement"),
        ("Collège Montgolfier", "Paris 3e Arrondissement"),
    ]


def test_best_matches_come_first_and_articles_are_ignored(session, directory):
    assert [c.name for c in schools.search_communes(session, "hay")] == [
        "L'Haÿ-les-Roses",
        "Hayange",  # both start with "hay" (article aside): most populated first
    ]
    assert [c.name for c in schools.search_communes(session, "l hay")] == ["L'Haÿ-les-Roses"]
    assert [c.name for c in schools.search_communes(session, "lyon")] == ["Lyons-la-Forêt"]
    assert schools.search_communes(session, "") == []
    assert schools.search_communes(session, "   ") == []
    assert schools.search_communes(session, "'%_") == []  # punctuation only: nothing to search
    assert schools.search_communes(session, "zzz") == []


def test_postal_codes_and_overseas_colleges(session, directory):
    assert [c.name for c in schools.search_communes(session, "91080")] == ["Évry-Courcouronnes"]
    assert schools.search_communes(session, "91080")[0].postal_code == "91080"
    assert [c.name for c in schools.search_communes(session, "75011")] == ["Paris"]
    noumea = schools.search_communes(session, "noumea")
    assert [(c.name, c.colleges, c.postal_code) for c in noumea] == [("Nouméa", 1, "98800")]
    assert [c.uai for c in schools.colleges_in_commune(session, "98818")] == ["9830001J"]


def test_limit_is_respected(session, directory):
    assert len(schools.search_communes(session, "e", limit=2)) == 2
    assert len(schools.search_communes(session, "e", limit=0)) == 1
    assert len(schools.search_communes(session, "e", limit="x")) <= 10


def test_college_choices_say_who_already_has_a_principal(session, directory):
    signup.signup_principal(
        session,
        school_uai="0911111A",
        first_name="Anne",
        last_name="Ernaux",
        email="ce.0911111a@ac-test.fr",
        password=PASSWORD,
    )
    colleges = schools.colleges_in_commune(session, "91228")
    assert [(c.name, c.has_principal) for c in colleges] == [
        ("Collège du Village", False),
        ("Collège Les Pyramides", True),
    ]
    assert colleges[1].principal_email == "ce.0911111a@ac-test.fr"
    assert colleges[1].email_domain == "ac-test.fr"
    assert schools.colleges_in_commune(session, "x'; drop") == []
    assert schools.colleges_in_commune(session, "77175") == []


# ---------------------------------------------------------------------------------------------
# Classes and join codes
# ---------------------------------------------------------------------------------------------


def _count(session, model, *where):
    q = select(func.count()).select_from(model)
    for w in where:
        q = q.where(w)
    return session.execute(q).scalar_one()


def test_principal_creates_renames_and_lists_classes(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    klass = schools.create_class(session, principal, "  3e   E ")
    assert klass.name == "3e E"
    assert klass.access_open is True
    assert len(klass.join_code) == schools.JOIN_CODE_LENGTH
    assert set(klass.join_code) <= set(schools.JOIN_CODE_ALPHABET)
    assert not set(klass.join_code) & set("0O1I")
    renamed = schools.rename_class(session, principal, klass.id, "3e Euro")
    assert renamed.name == "3e Euro"
    view = schools.school_settings(session, principal, now=NOW)
    assert [c.name for c in view.classes] == ["3e A", "3e B", "3e C", "3e D", "3e Euro"]
    row_a = view.classes[0]
    assert (row_a.pupils, row_a.join_code, row_a.main_teacher_name, row_a.followers) == (
        3,
        "AAAAA2",
        "Prénom Pp granted",
        3,
    )
    assert view.current_school_year == "2026-2027"
    row_b = view.classes[1]  # led by a professeur principal whose rights were revoked
    assert (row_a.main_teacher_granted, row_b.main_teacher_name, row_b.main_teacher_granted) == (
        True,
        "Prénom Pp revoked",
        False,
    )


def test_join_codes_are_unique(session):
    w = build_world(session)
    codes = {
        schools.create_class(session, w.viewer("principal_a"), f"3e {i}").join_code
        for i in range(30)
    }
    assert len(codes) == 30


@pytest.mark.parametrize("name", ["3e A", "3E a", "  3e  A", "3ᵉ A".replace("ᵉ", "e")])
def test_the_same_class_twice_is_a_conflict(session, name):
    w = build_world(session)
    before = snapshot(session)
    with pytest.raises(Conflict) as err:
        schools.create_class(session, w.viewer("principal_a"), name)
    assert (
        err.value.message
        == "Une classe « " + " ".join(name.split()) + " » existe déjà dans votre collège."
    )
    assert err.value.field == "name"
    assert snapshot(session) == before


def test_double_submission_of_a_new_class_creates_one(session):
    w = build_world(session)
    schools.create_class(session, w.viewer("principal_a"), "3e F")
    with pytest.raises(Conflict):
        schools.create_class(session, w.viewer("principal_a"), "3e F")
    assert _count(session, SchoolClass, SchoolClass.name == "3e F") == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Indiquez le nom de la classe"),
        ("   ", "Indiquez le nom de la classe"),
        ("x" * 41, "trop long"),
        ("<script>", "< et >"),
    ],
)
def test_bad_class_names(session, name, message):
    w = build_world(session)
    with pytest.raises(ValidationError, match=message):
        schools.create_class(session, w.viewer("principal_a"), name)
    with pytest.raises(ValidationError, match=message):
        schools.rename_class(session, w.viewer("principal_a"), w.classes["class_d"].id, name)


def test_renaming_onto_another_class_is_refused(session):
    w = build_world(session)
    with pytest.raises(Conflict, match="existe déjà"):
        schools.rename_class(session, w.viewer("principal_a"), w.classes["class_d"].id, "3e a")
    schools.rename_class(
        session, w.viewer("principal_a"), w.classes["class_a"].id, "3E A"
    )  # itself


def test_a_class_with_pupils_cannot_be_deleted(session):
    w = build_world(session)
    before = snapshot(session)
    with pytest.raises(ValidationError) as err:
        schools.delete_class(session, w.viewer("principal_a"), w.classes["class_a"].id)
    assert err.value.message == (
        "La classe « 3e A » compte 3 élèves inscrits : elle ne peut pas être supprimée. "
        "Vous pouvez fermer son accès à la plateforme."
    )
    assert snapshot(session) == before
    with pytest.raises(ValidationError, match="compte 1 élève inscrit :"):
        schools.delete_class(session, w.viewer("principal_a"), w.classes["class_b"].id)


def test_deleting_an_empty_class_cancels_its_invitations(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    d = w.classes["class_d"]
    d.main_teacher_id = w.uid("prof_other")
    session.add(
        Invitation(
            school_id=d.school_id,
            email="pp.d@ac-creteil.fr",
            function="professeur_principal",
            class_id=d.id,
            token_hash="h" * 64,
            invited_by_id=w.uid("principal_a"),
            created_at=NOW,
            expires_at=NOW + dt.timedelta(days=7),
        )
    )
    w.memberships["pp_pending"].requested_class_id = d.id
    session.commit()
    schools.delete_class(session, principal, d.id)
    assert session.get(SchoolClass, d.id) is None
    inv = session.execute(
        select(Invitation).where(Invitation.email == "pp.d@ac-creteil.fr")
    ).scalar_one()
    assert inv.class_id is None and inv.cancelled_at is not None
    assert session.get(StaffMembership, w.memberships["pp_pending"].id).requested_class_id is None
    with pytest.raises(NotFound, match="introuvable"):
        schools.delete_class(session, principal, d.id)  # the same click twice


def test_closing_a_class_refuses_its_code_and_its_pupils(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    schools.set_class_access(session, principal, w.classes["class_a"].id, False)
    with pytest.raises(ValidationError, match="n'existe pas ou n'est pas ouvert"):
        signup.signup_student(
            session,
            class_code="aaaaa2",
            first_name="Léa",
            last_name="Nouvelle",
            email="lea@exemple.fr",
            password=PASSWORD,
        )
    from stages_app.services import access

    assert not access.can(session, w.viewer("pupil_open"), "search.use")
    schools.set_class_access(session, principal, w.classes["class_a"].id, True)
    assert access.can(session, w.viewer("pupil_open"), "search.use")
    signup.signup_student(
        session,
        class_code="aaaaa2",
        first_name="Léa",
        last_name="Nouvelle",
        email="lea@exemple.fr",
        password=PASSWORD,
    )


def test_regenerating_the_code_retires_the_old_one(session):
    w = build_world(session)
    new = schools.regenerate_join_code(session, w.viewer("pp_granted"), w.classes["class_a"].id)
    assert new != "AAAAA2" and len(new) == 6
    with pytest.raises(ValidationError):
        signup.signup_student(
            session,
            class_code="AAAAA2",
            first_name="Léa",
            last_name="Nouvelle",
            email="lea@exemple.fr",
            password=PASSWORD,
        )
    signup.signup_student(
        session,
        class_code=new.lower(),
        first_name="Léa",
        last_name="Nouvelle",
        email="lea@exemple.fr",
        password=PASSWORD,
    )
    with pytest.raises(PermissionDenied):  # a teacher who does not teach 3e B
        schools.regenerate_join_code(session, w.viewer("pp_granted"), w.classes["class_b"].id)


# ---------------------------------------------------------------------------------------------
# Internship periods
# ---------------------------------------------------------------------------------------------


def _weeks(session, school_id):
    return (
        session.execute(
            select(InternshipWeek.week_start)
            .where(InternshipWeek.school_id == school_id)
            .order_by(InternshipWeek.week_start)
        )
        .scalars()
        .all()
    )


def test_a_period_of_two_weeks_from_any_day(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    rows = schools.add_period(session, principal, dt.date(2026, 12, 9), "2026-12-18", now=NOW)
    assert [r.week_start for r in rows] == [dt.date(2026, 12, 7), dt.date(2026, 12, 14)]
    assert all(r.school_year == 2026 and r.created_by_id == w.uid("principal_a") for r in rows)
    schools.add_period(session, principal, dt.date(2027, 6, 7), now=NOW)  # one week
    view = schools.school_settings(session, principal, now=NOW)
    assert [(p.label, len(p.weeks)) for p in view.periods] == [
        ("du 7 au 18 décembre 2026", 2),
        ("du 11 au 15 janvier 2027", 1),  # the world's week
        ("du 7 au 11 juin 2027", 1),
    ]
    assert view.periods[0].school_year == "2026-2027"
    assert view.periods[0].weeks[1].label == "du 14 au 18 décembre 2026"


def test_a_period_in_progress_is_accepted(session):
    w = build_world(session)
    # NOW is Wednesday 18 November 2026: its week is not over
    rows = schools.add_period(session, w.viewer("principal_a"), dt.date(2026, 11, 16), now=NOW)
    assert rows[0].week_start == dt.date(2026, 11, 16)


@pytest.mark.parametrize(
    ("first", "last", "error", "message"),
    [
        (dt.date(2027, 8, 30), None, ValidationError, "une seule année scolaire"),  # Friday 3 Sept
        (dt.date(2027, 8, 16), dt.date(2027, 9, 6), ValidationError, "une seule année scolaire"),
        (dt.date(2026, 11, 9), None, ValidationError, "est déjà passée"),
        (
            dt.date(2026, 11, 9),
            dt.date(2026, 11, 23),
            ValidationError,
            "du 9 au 13 novembre 2026 est déjà passée",
        ),
        (dt.date(2025, 12, 1), None, ValidationError, "est déjà passée"),
        (
            dt.date(2028, 10, 2),
            None,
            ValidationError,
            r"l'année scolaire en cours \(2026-2027\) ou la suivante",
        ),
        (dt.date(2027, 3, 1), dt.date(2027, 4, 5), ValidationError, "au plus 4 semaines"),
        (dt.date(2027, 3, 8), dt.date(2027, 3, 1), ValidationError, "venir après"),
        ("08/03/2027", None, ValidationError, "pas une date valide"),
        (None, None, ValidationError, "pas une date valide"),
        (dt.date(2027, 1, 13), None, Conflict, "du 11 au 15 janvier 2027 est déjà déclarée"),
        (dt.date(2027, 1, 4), dt.date(2027, 1, 18), Conflict, "chevaucher"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_saved(session, first, last, error, message):
    w = build_world(session)
    before = snapshot(session)
    with pytest.raises(error, match=message):
        schools.add_period(session, w.viewer("principal_a"), first, last, now=NOW)
    assert snapshot(session) == before


def test_next_school_year_and_double_submission(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    schools.add_period(session, principal, dt.date(2027, 12, 6), now=NOW)  # 2027-2028
    with pytest.raises(Conflict, match="déjà déclarée"):
        schools.add_period(session, principal, dt.date(2027, 12, 6), now=NOW)
    assert _weeks(session, w.schools["school_a"].id).count(dt.date(2027, 12, 6)) == 1


def test_other_schools_weeks_do_not_overlap(session):
    w = build_world(session)
    # school B also has the week of 11 January
    schools.add_period(session, w.viewer("principal_b"), dt.date(2027, 1, 18), now=NOW)
    assert _weeks(session, w.schools["school_b"].id) == [dt.date(2027, 1, 11), dt.date(2027, 1, 18)]


def _accepted_application(session, w, pupil_key, week_start):
    sector = Sector(uuid="00000000-0000-0000-0000-000000000001", name="Commerce")
    session.add(sector)
    session.flush()
    org = session.execute(select(Organisation)).scalars().first()
    offer = Offer(
        organisation_id=org.id,
        title="Vendeur",
        description="...",
        sector_id=sector.id,
        postal_code="93300",
        commune_insee="93001",
        commune_name="Aubervilliers",
        latitude=48.91,
        longitude=2.38,
        status="published",
    )
    session.add(offer)
    session.flush()
    ow = OfferWeek(
        offer_id=offer.id,
        week_start=week_start,
        seats=2,
        accepted_count=1,
        latitude=48.91,
        longitude=2.38,
    )
    session.add(ow)
    session.flush()
    session.add(
        Application(
            student_id=w.uid(pupil_key),
            offer_id=offer.id,
            offer_week_id=ow.id,
            week_start=week_start,
            school_year=2026,
            status="accepted",
        )
    )
    session.commit()


def test_removing_a_week(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    week = w.weeks["week_a"]
    _accepted_application(session, w, "pupil_open", week.week_start)
    with pytest.raises(ValidationError, match="un élève a déjà un stage accepté"):
        schools.remove_week(session, principal, week.id)
    assert schools.school_settings(session, principal, now=NOW).periods[0].weeks[0].accepted == 1
    # school B's week of the same date has no accepted internship of its pupils: it goes
    schools.remove_week(session, w.viewer("principal_b"), w.weeks["week_b"].id)
    assert _weeks(session, w.schools["school_b"].id) == []
    with pytest.raises(NotFound):
        schools.remove_week(session, w.viewer("principal_b"), w.weeks["week_b"].id)
    with pytest.raises(PermissionDenied):
        schools.remove_week(session, w.viewer("principal_b"), week.id)


# ---------------------------------------------------------------------------------------------
# National search
# ---------------------------------------------------------------------------------------------


def test_national_search_records_who_and_when(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    view = schools.school_settings(session, principal, now=NOW)
    assert (view.national_search, view.national_search_by, view.national_search_at) == (
        False,
        "",
        None,
    )
    schools.set_national_search(session, principal, True, now=NOW)
    schools.set_national_search(session, principal, True, now=NOW + dt.timedelta(days=1))  # no-op
    view = schools.school_settings(session, principal, now=NOW)
    assert view.national_search is True
    assert view.national_search_by == "Anne Ernaux"
    assert view.national_search_at == NOW
    schools.set_national_search(session, principal, False, now=NOW + dt.timedelta(days=2))
    school = session.get(School, w.schools["school_a"].id)
    assert school.national_search is False
    assert school.national_search_at == NOW + dt.timedelta(days=2)
    assert session.get(School, w.schools["school_b"].id).national_search is False


# ---------------------------------------------------------------------------------------------
# The same form submitted from several tabs at the same instant
# ---------------------------------------------------------------------------------------------


def test_concurrent_double_submissions(engine, session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    assert race(
        engine, lambda s: schools.add_period(s, principal, dt.date(2027, 2, 1), now=NOW)
    ) == {"ok": 1, "Conflict": 5}
    assert race(engine, lambda s: schools.create_class(s, principal, "3e Z")) == {
        "ok": 1,
        "Conflict": 5,
    }
    assert _count(session, InternshipWeek, InternshipWeek.week_start == dt.date(2027, 2, 1)) == 1
    assert _count(session, SchoolClass, SchoolClass.name == "3e Z") == 1
