"""Tracking dashboards (issue 6): what the principal, a teacher and an employer see, who may see
it, and the CSV export a French spreadsheet opens with its accents intact."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import itertools
import os
import re
import shutil
import subprocess
import zipfile
from functools import partial
from xml.etree import ElementTree

import pytest
from sqlmodel import Session, select

from stages_app.models import PupilProfile, Role, SchoolClass, User, utcnow
from stages_app.services import applications as apps
from stages_app.services import cv as cv_service
from stages_app.services import dashboards as dash
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.services.dashboards import best_status
from stages_app.services.errors import NotAuthenticated, NotFound, PermissionDenied
from stages_app.services.offers import paris_today
from stages_app.services.text import search_key
from tests.needs import unavailable
from tests.unit import application_helpers as ah
from tests.unit import school_helpers as sh
from tests.unit.application_helpers import W1, W2, W3

REFUSAL = apps.REFUSAL_TEMPLATES[0]
_codes = itertools.count(1)


# ---------------------------------------------------------------------------------------------
# best_status: the order of the badges
# ---------------------------------------------------------------------------------------------


def _profile(*, authorised=True, opened=True) -> PupilProfile:
    return PupilProfile(
        user_id=1,
        school_id=1,
        class_id=1,
        authorisation_received_on=dt.date(2026, 11, 2) if authorised else None,
        access_opened_at=utcnow() if opened else None,
    )


@pytest.mark.parametrize(
    "statuses, profile, code, label",
    [
        (["accepted", "accepted", "refused"], None, "two_internships", "2 stages"),
        (["accepted", "read", "submitted", "draft"], None, "one_internship", "1 stage"),
        (["submitted", "read", "refused", "draft"], None, "application_read", "Candidature lue"),
        (["submitted", "draft", "withdrawn"], None, "application_sent", "Candidature envoyée"),
        (["draft", "refused", "cancelled_auto"], None, "draft", "Brouillon"),
        (
            ["refused", "withdrawn", "cancelled"],
            None,
            "no_open_application",
            "Aucune candidature en cours",
        ),
        ([], _profile(), "no_application", "Aucune candidature"),
        ([], _profile(opened=False), "access_to_open", "Accès à ouvrir"),
        (
            [],
            _profile(authorised=False, opened=False),
            "waiting_authorisation",
            "Autorisation attendue",
        ),
    ],
)
def test_best_status_order(statuses, profile, code, label):
    status = best_status(statuses, profile)
    assert (status.code, status.label) == (code, label)
    code_, label_, tone = status  # a plain (code, label, tone) tuple
    assert tone in ("success", "info", "neutral", "warning", "danger")


def test_best_statuses_are_ranked_best_first():
    ranks = [s.rank for s in dash.BEST_STATUSES]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)
    # applications always beat the access state
    assert best_status(["draft"], _profile(authorised=False, opened=False)).code == "draft"


# ---------------------------------------------------------------------------------------------
# A small collège: two classes, one pupil per situation
# ---------------------------------------------------------------------------------------------


def _klass(session: Session, w: ah.World, name: str) -> SchoolClass:
    row = SchoolClass(school_id=w.school.id, name=name, join_code=f"K{next(_codes):06d}")
    session.add(row)
    session.commit()
    return row


def _pupil(
    session: Session,
    w: ah.World,
    klass: SchoolClass,
    first: str,
    last: str,
    *,
    authorised=True,
    opened_days_ago: int | None = 30,
    cv=True,
) -> Viewer:
    user = User(
        email=f"{search_key(first + '.' + last).replace(' ', '.')}@exemple.fr",
        password_hash=sh.DUMMY_HASH,
        role=Role.STUDENT.value,
        first_name=first,
        last_name=last,
        email_confirmed_at=utcnow(),
    )
    session.add(user)
    session.commit()
    opened = None if opened_days_ago is None else utcnow() - dt.timedelta(days=opened_days_ago)
    session.add(
        PupilProfile(
            user_id=user.id,
            school_id=w.school.id,
            class_id=klass.id,
            authorisation_received_on=dt.date(2026, 10, 1) if authorised else None,
            access_opened_at=opened,
        )
    )
    session.commit()
    viewer = Viewer.of(user)
    if cv and opened is not None:
        cv_service.save_cv(session, viewer, ah.CV)
    return viewer


@pytest.fixture
def college(session):
    """3e A: Hélène Lefèvre (2 stages), Karim (1 stage, another application read), Léa (read),
    Noé (sent), Zoé (draft only), Rémi (every application refused), Sacha (opened 10 days ago,
    nothing), Amina (authorised, access not opened), Wassim (waiting for the authorisation).
    3e B: Jules (opened 2 days ago, nothing). Three employers."""
    w = ah.world(session)
    a, b = _klass(session, w, "3e A"), _klass(session, w, "3e B")
    p = {
        "helene": _pupil(session, w, a, "Hélène", "Lefèvre"),
        "karim": _pupil(session, w, a, "Karim", "Amrani"),
        "lea": _pupil(session, w, a, "Léa", "Benoît"),
        "noe": _pupil(session, w, a, "Noé", "Caron"),
        "zoe": _pupil(session, w, a, "Zoé", "Durand"),
        "remi": _pupil(session, w, a, "Rémi", "Faure"),
        "sacha": _pupil(session, w, a, "Sacha", "Girard", opened_days_ago=10, cv=False),
        "amina": _pupil(session, w, a, "Amina", "Hamdi", opened_days_ago=None, cv=False),
        "wassim": _pupil(
            session, w, a, "Wassim", "Idrissi", authorised=False, opened_days_ago=None, cv=False
        ),
        "jules": _pupil(session, w, b, "Jules", "Petit", opened_days_ago=2, cv=False),
    }
    boulangerie, o1 = ah.offer(session, w, weeks=((W1, 3), (W2, 2), (W3, 1)))
    mairie, o2 = ah.offer(session, w, weeks=((W1, 2), (W2, 2)))
    garage, o3 = ah.offer(session, w, weeks=((W2, 1),))
    # Hélène: two internships
    apps.accept(session, boulangerie, ah.submitted(session, p["helene"], o1, W1))
    apps.accept(session, mairie, ah.submitted(session, p["helene"], o2, W2))
    # Karim: one internship, one other application read by the employer
    apps.accept(session, mairie, ah.submitted(session, p["karim"], o2, W1))
    apps.open_application(session, garage, ah.submitted(session, p["karim"], o3, W2))
    # Léa: read; Noé: sent; Zoé: a draft
    apps.open_application(session, boulangerie, ah.submitted(session, p["lea"], o1, W2))
    ah.submitted(session, p["noe"], o1, W3)
    ah.draft(session, p["zoe"], o1, W1)
    # Rémi: refused twice
    apps.refuse(session, boulangerie, ah.submitted(session, p["remi"], o1, W1), REFUSAL)
    apps.refuse(session, mairie, ah.submitted(session, p["remi"], o2, W1), REFUSAL)
    principal = ah.principal(session, w)
    teacher = ah.main_teacher(session, w, p["helene"])  # professeur principal of 3e A
    return (
        w,
        a,
        b,
        p,
        principal,
        teacher,
        {"boulangerie": boulangerie, "mairie": mairie, "garage": garage, "offers": (o1, o2, o3)},
    )


def test_school_dashboard_counts_per_class(session, college):
    w, a, b, p, principal, _teacher, _emp = college
    board = dash.school_dashboard(session, principal)

    assert board.school_name == w.school.name
    assert [c.name for c in board.classes] == ["3e A", "3e B"]
    class_a, class_b = board.classes
    assert (
        class_a.pupils,
        class_a.accounts,
        class_a.waiting_authorisation,
        class_a.access_opened,
    ) == (9, 9, 1, 7)
    # sent applications: Hélène, Karim, Léa, Noé, Rémi (Zoé only has a draft)
    assert class_a.with_application == 5
    assert (class_a.one_internship, class_a.two_internships, class_a.no_internship) == (1, 1, 7)
    assert class_a.without_application == 4
    assert (
        class_b.pupils,
        class_b.access_opened,
        class_b.with_application,
        class_b.no_internship,
    ) == (1, 1, 0, 1)
    assert board.totals.pupils == 10 and board.totals.two_internships == 1

    statuses = {s.code: s.count for s in board.statuses}
    assert statuses == {
        "two_internships": 1,
        "one_internship": 1,
        "application_read": 1,
        "application_sent": 1,
        "draft": 1,
        "no_open_application": 1,
        "no_application": 2,
        "access_to_open": 1,
        "waiting_authorisation": 1,
    }

    # coverage: W1 Hélène + Karim, W2 Hélène, W3 nobody (10 pupils in the collège)
    assert [(c.week_start, c.covered, c.pupils, c.percent) for c in board.weeks] == [
        (W1, 2, 10, 20),
        (W2, 1, 10, 10),
        (W3, 0, 10, 0),
    ]
    assert board.weeks[0].label == "2 élèves sur 10 (20 %)"


def test_attention_list_and_its_reasons(session, college):
    w, a, b, p, principal, _teacher, _emp = college
    board = dash.school_dashboard(session, principal)
    # W1 is more than 14 days away: no "week_soon" yet; Jules opened 2 days ago: not yet; Zoé's
    # draft is not an application
    assert [(r.name, r.codes) for r in board.attention] == [
        ("Rémi Faure", ("all_refused",)),
        ("Zoé Durand", ("no_application",)),
        ("Sacha Girard", ("no_application",)),
    ]
    sacha = next(r for r in board.attention if r.name == "Sacha Girard")
    assert sacha.reasons == ("Aucune candidature envoyée 10 jours après l'ouverture de son accès.",)
    assert next(r for r in board.attention if r.name == "Rémi Faure").reasons == (
        "Toutes ses candidatures ont été refusées.",
    )

    # Three days before W1: everyone without an accepted internship needs attention
    soon = dash.school_dashboard(session, principal, today=W1 - dt.timedelta(days=3))
    flagged = {r.name: r.codes for r in soon.attention}
    assert "Hélène Lefèvre" not in flagged and "Karim Amrani" not in flagged
    assert flagged["Noé Caron"] == ("week_soon",)
    assert flagged["Wassim Idrissi"] == ("week_soon",)
    assert flagged["Rémi Faure"] == ("week_soon", "all_refused")
    assert flagged["Sacha Girard"][0] == "week_soon" and "no_application" in flagged["Sacha Girard"]
    assert flagged["Zoé Durand"] == ("week_soon", "no_application")
    assert flagged["Jules Petit"] == ("week_soon", "no_application")  # 2 + ~15 days now
    assert len(flagged) == 8
    noe = next(r for r in soon.attention if r.name == "Noé Caron")
    assert noe.reasons[0].startswith("La semaine de stage du ")
    assert noe.reasons[0].endswith("commence dans 3 jours et aucun stage n'est accepté.")


def test_class_dashboard_rows(session, college):
    w, a, b, p, _principal, teacher, emp = college
    board = dash.class_dashboard(session, teacher, a.id)

    assert board.name == "3e A" and board.stats.pupils == 9
    rows = {r.name: r for r in board.pupils}
    assert [r.last_name for r in board.pupils] == [
        "Amrani",
        "Benoît",
        "Caron",
        "Durand",
        "Faure",
        "Girard",
        "Hamdi",
        "Idrissi",
        "Lefèvre",
    ]
    helene = rows["Hélène Lefèvre"]
    assert helene.status == ("two_internships", "2 stages", "success")
    assert helene.applications == 2
    assert len(helene.internships) == 2
    assert helene.internships[0].startswith("Employeur ")
    assert helene.internships[0].endswith(f" — {week_label(W1)}")
    assert helene.internships[1].endswith(f" — {week_label(W2)}")
    assert helene.last_activity_label == "aujourd'hui"
    karim = rows["Karim Amrani"]
    assert karim.status.label == "1 stage" and karim.applications == 2
    assert rows["Léa Benoît"].status.label == "Candidature lue"
    assert rows["Noé Caron"].status.label == "Candidature envoyée"
    zoe = rows["Zoé Durand"]
    assert (zoe.status.label, zoe.applications, zoe.drafts) == ("Brouillon", 0, 1)
    assert rows["Rémi Faure"].status.label == "Aucune candidature en cours"
    assert rows["Rémi Faure"].attention == ("Toutes ses candidatures ont été refusées.",)
    assert rows["Sacha Girard"].status.label == "Aucune candidature"
    assert rows["Sacha Girard"].last_activity_label == "Aucune activité"
    assert rows["Amina Hamdi"].status.label == "Accès à ouvrir"
    assert rows["Wassim Idrissi"].status.label == "Autorisation attendue"
    assert [r.name for r in board.attention] == ["Rémi Faure", "Zoé Durand", "Sacha Girard"]
    assert zoe.attention == ("Aucune candidature envoyée 30 jours après l'ouverture de son accès.",)

    later = dash.class_dashboard(session, teacher, a.id, today=paris_today() + dt.timedelta(days=3))
    assert {r.name: r for r in later.pupils}["Noé Caron"].last_activity_label == "il y a 3 jours"


def test_a_draft_withdrawn_before_sending_is_not_an_application(session, college):
    """Found using the class page: a pupil who withdraws a draft had "one more application"
    and the badge "Aucune candidature en cours" although nothing ever reached an employer."""
    w, a, _b, p, _principal, teacher, emp = college
    o1 = emp["offers"][0]
    draft_id = ah.draft(session, p["sacha"], o1, W2)
    apps.withdraw(session, p["sacha"], draft_id)
    assert ah.status(session, draft_id) == "withdrawn"
    sacha = {r.name: r for r in dash.class_dashboard(session, teacher, a.id).pupils}["Sacha Girard"]
    assert (sacha.status.label, sacha.applications, sacha.drafts) == ("Aucune candidature", 0, 0)
    # a *sent* application withdrawn still counts: the pupil did try
    cv_service.save_cv(session, p["sacha"], ah.CV)
    sent_id = ah.submitted(session, p["sacha"], o1, W3)
    apps.withdraw(session, p["sacha"], sent_id)
    sacha = {r.name: r for r in dash.class_dashboard(session, teacher, a.id).pupils}["Sacha Girard"]
    assert (sacha.status.label, sacha.applications) == ("Aucune candidature en cours", 1)


def test_pupil_file_for_the_staff(session, college):
    w, a, b, p, principal, teacher, _emp = college
    file = dash.pupil_file(session, teacher, p["remi"].user_id)
    assert file.name == "Rémi Faure" and file.class_name == "3e A"
    assert file.cv.about == ah.CV["about"]
    assert [x.status for x in file.applications] == ["refused", "refused"]
    assert all(x.letter == ah.LETTER and x.answer_message == REFUSAL for x in file.applications)
    assert file.status.code == "no_open_application"

    zoe = dash.pupil_file(session, principal, p["zoe"].user_id)
    assert [(x.status_label, x.letter) for x in zoe.applications] == [("Brouillon", ah.LETTER)]
    helene = dash.pupil_file(session, principal, p["helene"].user_id)
    assert len(helene.internships) == 2 and helene.status.label == "2 stages"
    nothing = dash.pupil_file(session, principal, p["wassim"].user_id)
    assert nothing.applications == [] and nothing.cv.is_empty


def test_employer_dashboard(session, college):
    w, a, b, p, _principal, _teacher, emp = college
    o1, o2, o3 = emp["offers"]
    board = dash.employer_dashboard(session, emp["boulangerie"])
    (offer,) = board.offers
    assert offer.offer_id == o1 and offer.status_label == "Publiée"
    assert [(x.week_start, x.seats, x.accepted, x.seats_left, x.waiting) for x in offer.weeks] == [
        (W1, 3, 1, 2, 0),
        (W2, 2, 0, 2, 1),
        (W3, 1, 0, 1, 1),
    ]
    assert offer.seats_left == 5 and board.seats_left == 5
    # waiting: Léa (read, W2) and Noé (new, W3), the longest-waiting first
    assert [(x.pupil_name, x.status_label, x.is_new) for x in board.waiting] == [
        ("Léa Benoît", "Lue", False),
        ("Noé Caron", "Nouvelle", True),
    ]
    assert (board.waiting_count, board.new_count) == (2, 1)
    assert all(x.class_name == "3e A" and x.school_name == w.school.name for x in board.waiting)

    garage = dash.employer_dashboard(session, emp["garage"])
    assert garage.offers[0].weeks[0].waiting == 1 and garage.waiting[0].pupil_name == "Karim Amrani"


# ---------------------------------------------------------------------------------------------
# Rights
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(session):
    return sh.build_world(session)


def _refused(call, error) -> bool:
    try:
        call()
    except error:
        return True
    return False


SCHOOL_DASHBOARD_ALLOWED = (
    "principal_a",
    "cpe_granted",
    "doc_granted",
    "psy_granted",
    "adm_granted",
)
SCHOOL_DASHBOARD_REFUSED = {
    "pp_granted": PermissionDenied,
    "prof_granted": PermissionDenied,  # teachers: their classes
    "cpe_pending": PermissionDenied,
    "cpe_revoked": PermissionDenied,
    "pp_revoked": PermissionDenied,
    "cpe_disabled": NotAuthenticated,
    "employer": PermissionDenied,
    "pupil_open": PermissionDenied,
    "admin": PermissionDenied,
    "anonymous": NotAuthenticated,
}


def test_school_dashboard_for_the_principal_and_granted_staff_only(session, world):
    for who in SCHOOL_DASHBOARD_ALLOWED:
        board = dash.school_dashboard(session, world.viewer(who), today=sh.TODAY)
        assert board.school_id == world.schools["school_a"].id, who
        assert [c.name for c in board.classes] == ["3e A", "3e B", "3e C", "3e D"]
        a = board.classes[0]
        assert (a.pupils, a.waiting_authorisation, a.access_opened, a.with_application) == (
            3,
            1,
            1,
            0,
        )
        assert board.totals.pupils == 5
        assert [w.week_start for w in board.weeks] == [dt.date(2027, 1, 11)]
        assert board.attention == []  # access opened 3 days ago, the week is 8 weeks away
        assert dash.school_csv(session, world.viewer(who)).count(b"\r\n") == 6
    for who, error in SCHOOL_DASHBOARD_REFUSED.items():
        viewer = world.viewer(who)
        assert _refused(partial(dash.school_dashboard, session, viewer), error), who
        assert _refused(partial(dash.school_csv, session, viewer), error), who
    with pytest.raises(PermissionDenied) as revoked:
        dash.school_dashboard(session, world.viewer("cpe_revoked"))
    assert "retirés" in revoked.value.message


def test_other_school_staff_see_only_their_school(session, world):
    board = dash.school_dashboard(session, world.viewer("principal_b"))
    assert board.school_id == world.schools["school_b"].id
    assert board.totals.pupils == 1 and [c.name for c in board.classes] == ["3e 1"]
    data = dash.school_csv(session, world.viewer("cpe_b")).decode("utf-8-sig")
    assert "Bruno" in data and "Olivier" not in data


def test_attention_in_the_small_world(session, world):
    later = dash.school_dashboard(
        session, world.viewer("principal_a"), today=sh.TODAY + dt.timedelta(days=5)
    )
    assert [(r.name, r.codes) for r in later.attention] == [
        ("Olivier Ouvert", ("no_application",)),
        ("Béatrice Bé", ("no_application",)),
        ("Chloé Fermée", ("no_application",)),
    ]
    week = dash.school_dashboard(session, world.viewer("principal_a"), today=dt.date(2027, 1, 4))
    assert len(week.attention) == 5 and all(r.codes[0] == "week_soon" for r in week.attention)
    assert (
        week.attention[0].reasons[0].endswith("commence dans 7 jours et aucun stage n'est accepté.")
    )


CLASS_REFUSED = [
    ("prof_other", "class_a", PermissionDenied),  # a teacher of no class
    ("pp_granted", "class_b", PermissionDenied),  # another class of the same school
    ("pp_revoked", "class_b", PermissionDenied),  # revoked main teacher
    ("prof_revoked", "class_a", PermissionDenied),
    ("prof_pending", "class_a", PermissionDenied),
    ("principal_b", "class_a", PermissionDenied),  # another school
    ("cpe_b", "class_a", PermissionDenied),
    ("employer", "class_a", PermissionDenied),
    ("pupil_open", "class_a", PermissionDenied),
    ("admin", "class_a", PermissionDenied),
    ("anonymous", "class_a", NotAuthenticated),
]


def test_class_dashboard_rights(session, world):
    class_a = world.classes["class_a"].id
    for who in ("principal_a", "cpe_granted", "pp_granted", "prof_granted"):
        board = dash.class_dashboard(session, world.viewer(who), class_a)
        # Attente, Autorisée, Ouvert
        assert [r.status.label for r in board.pupils] == [
            "Autorisation attendue",
            "Accès à ouvrir",
            "Aucune candidature",
        ], who
    for who, klass, error in CLASS_REFUSED:
        viewer, cid = world.viewer(who), world.classes[klass].id
        assert _refused(partial(dash.class_dashboard, session, viewer, cid), error), who
    for class_id in (999_999, "abc", None, True, -3):
        assert _refused(
            partial(dash.class_dashboard, session, world.viewer("principal_a"), class_id), NotFound
        ), class_id


def test_pupil_file_rights(session, world):
    pupil_id = world.uid("pupil_open")
    for who in ("pp_granted", "prof_granted", "principal_a", "cpe_granted"):
        assert dash.pupil_file(session, world.viewer(who), pupil_id).name == "Olivier Ouvert"
    for who in (
        "prof_other",
        "pp_revoked",
        "prof_revoked",
        "principal_b",
        "cpe_b",
        "employer",
        "pupil_open",
        "pupil_b",
        "admin",
    ):
        viewer = world.viewer(who)
        assert _refused(partial(dash.pupil_file, session, viewer, pupil_id), PermissionDenied), who
    assert _refused(lambda: dash.pupil_file(session, None, pupil_id), NotAuthenticated)
    principal = world.viewer("principal_a")
    for unknown in (999_999, world.uid("cpe_granted"), "x", None):  # a staff id is no pupil
        assert _refused(partial(dash.pupil_file, session, principal, unknown), NotFound), unknown


def test_employer_dashboard_rights(session, world):
    for who, error in (
        ("principal_a", PermissionDenied),
        ("pupil_open", PermissionDenied),
        ("admin", PermissionDenied),
        ("anonymous", NotAuthenticated),
    ):
        viewer = world.viewer(who)
        assert _refused(partial(dash.employer_dashboard, session, viewer), error), who
    board = dash.employer_dashboard(session, world.viewer("employer"))
    assert (board.organisation_name, board.offers, board.waiting, board.seats_left) == (
        "Boulangerie",
        [],
        [],
        0,
    )


# ---------------------------------------------------------------------------------------------
# CSV for French spreadsheets
# ---------------------------------------------------------------------------------------------


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_opens_in_a_french_spreadsheet(session, college):
    w, a, b, p, principal, _teacher, _emp = college
    tricky = session.get(User, p["noe"].user_id)
    tricky.last_name = 'Caron; dit "le Grand"'
    tricky.first_name = '=HYPERLINK("http://x")'
    session.add(tricky)
    session.commit()

    data = dash.school_csv(session, principal)

    assert data.startswith(codecs.BOM_UTF8)
    text = data[3:].decode("utf-8")  # strict: valid UTF-8
    assert "Hélène" in text and "Lefèvre" in text
    assert text.count("\r\n") == 11 and "\n" not in text.replace("\r\n", "")
    header = text.split("\r\n", 1)[0]
    assert header == (
        "Classe;Nom;Prénom;E-mail;Autorisation parentale reçue le;Accès ouvert le;"
        "Situation;Candidatures envoyées;Stages acceptés"
    )

    rows = _parse(data)
    assert rows[0] == list(dash.CSV_HEADER)
    assert all(len(r) == 9 for r in rows)
    body = rows[1:]
    assert [r[0] for r in body] == ["3e A"] * 9 + ["3e B"]
    by_name = {(r[1], r[2]): r for r in body}
    helene = by_name[("Lefèvre", "Hélène")]
    assert helene[3] == "helene.lefevre@exemple.fr"
    assert helene[4] == "01/10/2026"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", helene[5])
    assert helene[6:8] == ["2 stages", "2"]
    assert helene[8].count(" — ") == 2 and " / " in helene[8]
    assert week_label(W1) in helene[8] and week_label(W2) in helene[8]
    wassim = by_name[("Idrissi", "Wassim")]
    assert wassim[4:9] == ["", "", "Autorisation attendue", "0", ""]
    # a value with ; and quotes comes back whole; a formula stays text
    noe = next(r for r in body if r[1].startswith("Caron"))
    assert noe[1] == 'Caron; dit "le Grand"'
    assert noe[2] == '\'=HYPERLINK("http://x")'
    assert '"Caron; dit ""le Grand"""' in text


OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(
    OFFICE is None,
    reason="LibreOffice n'est pas installé (scripts/test.sh installe libreoffice-calc-nogui)",
)

# LibreOffice's CSV import options: separator ';' (59), quote '"' (34), UTF-8 (76), from line 1,
# default column types, language 1036 = French (France). The language is given explicitly: a French
# spreadsheet user's Calc or Excel reads dd/mm/yyyy as a date, whatever the test machine's locale.
_CSV_IMPORT_FR = "CSV:59,34,76,1,,1036"
_ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


@dataclasses.dataclass(frozen=True)
class SheetCell:
    """A cell as the spreadsheet holds it: its type and its value."""

    kind: str  # "string", "date", "float" or "" (empty)
    value: str  # the text; a date as dd/mm/yyyy; a number as written

    def __str__(self) -> str:
        return self.value


def _ods_cells(cell) -> SheetCell:
    kind = cell.get(f"{{{_ODS['office']}}}value-type", "")
    if kind == "date":
        day = dt.date.fromisoformat(cell.get(f"{{{_ODS['office']}}}date-value")[:10])
        return SheetCell("date", day.strftime("%d/%m/%Y"))
    if kind == "float":
        number = float(cell.get(f"{{{_ODS['office']}}}value"))
        return SheetCell("float", str(int(number)) if number.is_integer() else str(number))
    text = "\n".join("".join(p.itertext()) for p in cell.findall("text:p", _ODS))
    return SheetCell(kind, text)


def _through_libreoffice(data: bytes, tmp_path) -> list[list[SheetCell]]:
    """Open the CSV in LibreOffice Calc as a French user does (';'-separated UTF-8, French
    language), save it as a real spreadsheet (.ods) and read the cells it holds, with their types.

    The profile is new for each call (nothing left by an earlier run counts), and what is compared
    is the saved spreadsheet's content, not a CSV written back in LibreOffice's own display
    format."""
    source = tmp_path / "suivi.csv"
    source.write_bytes(data)
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(tmp_path)}
    subprocess.run(
        [
            OFFICE,
            "--headless",
            "--norestore",
            profile,
            f"--infilter={_CSV_IMPORT_FR}",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path / "ods"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env=env,
    )
    with zipfile.ZipFile(tmp_path / "ods" / "suivi.ods") as ods:
        root = ElementTree.fromstring(ods.read("content.xml"))
    rows: list[list[SheetCell]] = []
    for row in root.iter(f"{{{_ODS['table']}}}table-row"):
        cells: list[SheetCell] = []
        for cell in row.findall("table:table-cell", _ODS):
            repeat = int(cell.get(f"{{{_ODS['table']}}}number-columns-repeated", "1"))
            cells += [_ods_cells(cell)] * min(repeat, 64)
        while cells and cells[-1].kind == "":
            cells.pop()  # the sheet's empty cells to the right
        rows.append(cells)
    return rows


def _as_csv_cells(rows: list[list[SheetCell]], width: int) -> list[list[str]]:
    return [[str(c) for c in row] + [""] * (width - len(row)) for row in rows]


def test_demo_school_csv_keeps_its_accents(sqlite_engine, tmp_path):
    from stages_app.services import demo
    from tests.unit.test_demo_seed import _reference

    with Session(sqlite_engine) as s:
        _reference(s)
    demo.seed_demo(sqlite_engine)
    with Session(sqlite_engine, expire_on_commit=False) as s:
        principal = s.execute(select(User).where(User.role == "principal")).scalar_one()
        data = dash.school_csv(s, Viewer.of(principal))
    assert data.startswith(codecs.BOM_UTF8)
    rows = _parse(data)
    assert len(rows) == 26 and {r[0] for r in rows[1:]} == {"3e A", "3e B"}
    assert next(r[1:3] for r in rows if r[1] == "Traoré") == ["Traoré", "Moussa"]
    assert "Inès" in {r[2] for r in rows}
    assert any(r[8] for r in rows[1:])  # some internships accepted in the demo
    if OFFICE is None:
        unavailable(
            "LibreOffice",
            "le fichier n'a pas été ouvert dans un tableur "
            "(paquet libreoffice-calc-nogui, installé par scripts/test.sh)",
        )
    # the same file opened in a French spreadsheet (LibreOffice Calc) and saved: the same cells,
    # and the two date columns are real dates (day first), the count a number
    sheet = _through_libreoffice(data, tmp_path)
    assert _as_csv_cells(sheet, len(dash.CSV_HEADER)) == rows
    chloe = next(r for r in sheet if r[2].value == "Chloé")
    assert [c.kind for c in chloe[:9]] == ["string"] * 4 + [
        "date",
        "date",
        "string",
        "float",
        "string",
    ]


@needs_office
def test_libreoffice_reads_the_csv(session, college, tmp_path):
    _w, _a, _b, _p, principal, _teacher, _emp = college
    sheet = _through_libreoffice(dash.school_csv(session, principal), tmp_path)
    rows = _as_csv_cells(sheet, len(dash.CSV_HEADER))
    assert rows[0] == list(dash.CSV_HEADER)
    helene = next(r for r in sheet if r[1].value == "Lefèvre")
    assert [c.value for c in helene[:3]] == ["3e A", "Lefèvre", "Hélène"]
    # 1 October, not 10 January: the spreadsheet holds the date the school recorded
    assert helene[4] == SheetCell("date", "01/10/2026")
