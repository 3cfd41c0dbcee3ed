"""The pupil's online CV: autosave that never loses what was saved, archived versions, PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlmodel import Session

from stages_app.models import CV, CVVersion
from stages_app.services import applications as apps
from stages_app.services import cv as cv_service
from stages_app.services.errors import NotFound, PermissionDenied, ValidationError
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1


def test_reading_creates_nothing_and_sections_are_described(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w, cv=False)
    view = cv_service.get_cv(session, pupil)
    assert view.is_empty and view.updated_at is None
    assert view.as_dict() == cv_service.empty_content()
    assert ah.count(session, CV) == 0
    assert cv_service.list_versions(session, pupil) == []
    assert [s.key for s in cv_service.CV_SECTIONS] == [
        "about",
        "school_path",
        "interests",
        "qualities",
        "languages",
        "experiences",
    ]
    assert all(s.label and s.hint and s.kind in ("text", "list") for s in cv_service.CV_SECTIONS)


def test_autosave_stores_cleans_and_updates_only_what_is_sent(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w, cv=False)
    saved_at = cv_service.save_cv(session, pupil, ah.CV)
    assert saved_at.tzinfo is not None
    view = cv_service.get_cv(session, pupil)
    assert view.as_dict() == ah.CV and view.updated_at == saved_at

    # one section at a time (as typed); control characters removed, empty lines dropped,
    # HTML kept as plain text
    cv_service.save_cv(
        session,
        pupil,
        {
            "about": "  Je m'appelle <b>Inès</b>\x00\x1b.\r\nJ'aime le sport.  ",
            "interests": ["  Basket  ", "", "   ", None, "Lecture\tde\tmangas"],
        },
    )
    view = cv_service.get_cv(session, pupil)
    assert view.about == "Je m'appelle <b>Inès</b>.\nJ'aime le sport."
    assert view.interests == ["Basket", "Lecture de mangas"]
    assert view.qualities == ah.CV["qualities"]  # not sent: unchanged
    # unknown keys are ignored, lists may be emptied
    cv_service.save_cv(session, pupil, {"languages": [], "photo": "x"})
    assert cv_service.get_cv(session, pupil).languages == []
    assert ah.count(session, CV) == 1


@pytest.mark.parametrize(
    "content, field, words",
    [
        ({"about": "a" * 2001}, "about", "trop longue (2001 caractères, 2000 au plus)"),
        ({"interests": [f"activité {i}" for i in range(21)]}, "interests", "21 lignes"),
        ({"qualities": ["x" * 201]}, "qualities", "201 caractères"),
        ({"about": ["pas", "un texte"]}, "about", "doit être un texte"),
        ({"languages": "Anglais"}, "languages", "liste"),
        ({"experiences": ["ok", 12]}, "experiences", "que du texte"),
        ({"school_path": {"a": 1}}, "school_path", "liste"),
        ("pas un dictionnaire", "cv", "invalide"),
        ({"about": "Correct", "interests": ["y" * 300]}, "interests", "trop longue"),
    ],
)
def test_bad_input_is_refused_and_the_saved_cv_is_unchanged(session, content, field, words):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    before = ah.snapshot(session)
    with pytest.raises(ValidationError) as info:
        cv_service.save_cv(session, pupil, content)
    assert info.value.field == field and words in info.value.message
    assert ah.snapshot(session) == before
    assert cv_service.get_cv(session, pupil).as_dict() == ah.CV


def test_limits_are_inclusive(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w, cv=False)
    content = {
        "about": "a" * cv_service.TEXT_MAX,
        "interests": ["b" * cv_service.ITEM_MAX] * cv_service.LIST_MAX_ITEMS,
    }
    cv_service.save_cv(session, pupil, content)
    assert cv_service.get_cv(session, pupil).as_dict()["interests"] == content["interests"]


def test_archive_view_restore_and_delete_versions(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    first = cv_service.archive_cv(session, pupil, "  Mon premier CV  ")
    assert first.name == "Mon premier CV"
    cv_service.save_cv(session, pupil, {"about": "Nouvelle présentation."})
    default = cv_service.archive_cv(session, pupil, "")
    assert default.name.startswith("Version du ")
    assert [v.id for v in cv_service.list_versions(session, pupil)] == [default.id, first.id]
    assert cv_service.get_version(session, pupil, first.id).cv.about == ah.CV["about"]

    # restoring: the current CV is already archived identically, so no extra version
    restored = cv_service.restore_version(session, pupil, first.id)
    assert restored.about == ah.CV["about"]
    assert len(cv_service.list_versions(session, pupil)) == 2
    # edit, then restore again: the edit is archived first, nothing is lost
    cv_service.save_cv(session, pupil, {"about": "Texte jamais archivé."})
    cv_service.restore_version(session, pupil, default.id)
    versions = cv_service.list_versions(session, pupil)
    assert len(versions) == 3 and versions[0].name.startswith("Avant la restauration du ")
    assert (
        cv_service.get_version(session, pupil, versions[0].id).cv.about == "Texte jamais archivé."
    )
    assert cv_service.get_cv(session, pupil).about == "Nouvelle présentation."

    cv_service.delete_version(session, pupil, first.id)
    assert first.id not in [v.id for v in cv_service.list_versions(session, pupil)]


def test_version_bad_input_and_other_pupils_versions(session):
    w = ah.world(session)
    pupil, other = ah.pupil(session, w), ah.pupil(session, w)
    version = cv_service.archive_cv(session, pupil, "A moi")
    before = ah.snapshot(session)
    with pytest.raises(ValidationError) as info:
        cv_service.archive_cv(session, pupil, "n" * 81)
    assert info.value.field == "name"
    for forged in (None, "abc", -1, 10**20, True, version.id + 100):
        for call in (cv_service.get_version, cv_service.restore_version, cv_service.delete_version):
            with pytest.raises(NotFound):
                call(session, pupil, forged)
    for call in (cv_service.get_version, cv_service.restore_version, cv_service.delete_version):
        with pytest.raises(NotFound):
            call(session, other, version.id)
    with pytest.raises(NotFound):
        cv_service.cv_pdf(session, other, version_id=version.id)
    assert ah.snapshot(session) == before
    # an empty CV has nothing to archive
    empty = ah.pupil(session, w, cv=False)
    with pytest.raises(ValidationError) as info:
        cv_service.archive_cv(session, empty, "Vide")
    assert "vide" in info.value.message


def test_version_limit(session, monkeypatch):
    monkeypatch.setattr(cv_service, "MAX_VERSIONS", 2)
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    first = cv_service.archive_cv(session, pupil, "Un")
    cv_service.archive_cv(session, pupil, "Deux")
    with pytest.raises(ValidationError) as info:
        cv_service.archive_cv(session, pupil, "Trois")
    assert "supprimez-en une" in info.value.message
    # a restore that would need one more version is refused too, and changes nothing
    cv_service.save_cv(session, pupil, {"about": "Modifié"})
    before = ah.snapshot(session)
    with pytest.raises(ValidationError):
        cv_service.restore_version(session, pupil, first.id)
    assert ah.snapshot(session) == before
    assert ah.count(session, CVVersion) == 2


def test_only_pupils_with_open_access(session):
    w = ah.world(session)
    waiting = ah.pupil(session, w, cv=False, opened=False)
    emp, _ = ah.offer(session, w)
    for viewer in (waiting, emp):
        with pytest.raises(PermissionDenied):
            cv_service.get_cv(session, viewer)
        with pytest.raises(PermissionDenied):
            cv_service.save_cv(session, viewer, ah.CV)
    assert ah.count(session, CV) == 0


def test_pdf_of_the_cv_and_of_a_version(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    cv_service.save_cv(session, pupil, {"about": "Émile — « curieux » œuvre ✓ " * 60})
    pdf = cv_service.cv_pdf(session, pupil)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    version = cv_service.archive_cv(session, pupil, "Pour la boulangerie")
    assert cv_service.cv_pdf(session, pupil, version_id=version.id).startswith(b"%PDF")
    empty = ah.pupil(session, w, cv=False)
    assert cv_service.cv_pdf(session, empty).startswith(b"%PDF")


def test_pdf_of_the_cv_as_sent_with_an_application(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    stranger_emp, _ = ah.offer(session, w)
    principal = ah.principal(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    unrelated_teacher = oh.staff(session, w.school)  # follows no class
    other_school = oh.school(session, name="Collège Voltaire")
    other_principal = oh.staff(session, other_school, role=oh.Role.PRINCIPAL, function="principal")
    other_pupil = ah.pupil(session, w)

    draft_id = ah.draft(session, pupil, offer_id, W1)
    for viewer in (pupil, emp, principal):
        with pytest.raises(NotFound):  # a draft has no snapshot
            cv_service.cv_pdf_for_application(session, viewer, draft_id)
    apps.submit_application(session, pupil, draft_id)
    cv_service.save_cv(session, pupil, {"about": "Changé après l'envoi."})

    for viewer in (pupil, emp, principal, teacher):
        assert cv_service.cv_pdf_for_application(session, viewer, draft_id).startswith(b"%PDF")
    for viewer in (stranger_emp, unrelated_teacher, other_principal, other_pupil):
        with pytest.raises(NotFound):
            cv_service.cv_pdf_for_application(session, viewer, draft_id)
    for forged in (None, "x", -1, 10**30, draft_id + 50):
        with pytest.raises(NotFound):
            cv_service.cv_pdf_for_application(session, emp, forged)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "cv.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_pdf_reads_in_french_and_shows_the_cv_as_sent(sqlite_engine, tmp_path):
    with Session(sqlite_engine, expire_on_commit=False) as session:
        w = ah.world(session)
        pupil = ah.pupil(session, w)
        emp, offer_id = ah.offer(session, w)
        app_id = ah.submitted(session, pupil, offer_id, W1)
        cv_service.save_cv(session, pupil, {"about": "Présentation modifiée après l'envoi."})
        current = _pdf_text(cv_service.cv_pdf(session, pupil), tmp_path)
        sent = _pdf_text(cv_service.cv_pdf_for_application(session, emp, app_id), tmp_path)
    for text in (current, sent):
        assert "Inès Élève" in text and "Collège République, Bobigny" in text
        for label in ("Ma scolarité", "Mes centres d'intérêt et activités", "Langues"):
            assert label in text
        assert "• Anglais (LV1)" in text
    assert "Présentation modifiée après l'envoi." in current
    assert ah.CV["about"] in sent and "modifiée" not in sent
    assert "avec la candidature à l'offre « Découverte du fournil »" in sent
