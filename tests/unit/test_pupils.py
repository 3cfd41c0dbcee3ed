"""A class's pupils and their parental authorisation: the teacher records signed forms, opens
access (one by one or in bulk), withdraws it; scans of signed forms stay private; the printable
form explains the platform and carries the class code."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zlib

import pytest
from sqlalchemy import select

from stages_app import settings
from stages_app.models import OutboxMail, PupilProfile
from stages_app.services import access, pupils, signup
from stages_app.services.errors import NotFound, PermissionDenied, ValidationError
from tests.unit.account_helpers import PASSWORD
from tests.unit.school_helpers import NOW, TODAY, build_world, snapshot

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture
def private_dir(tmp_path, monkeypatch):
    directory = tmp_path / "private"
    monkeypatch.setattr(settings, "PRIVATE_DIR", directory)
    return directory


def _profile(session, user_id) -> PupilProfile:
    return session.execute(
        select(PupilProfile)
        .where(PupilProfile.user_id == user_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


# ---------------------------------------------------------------------------------------------
# The class list
# ---------------------------------------------------------------------------------------------


def test_class_list_sorted_by_name_with_statuses(session):
    w = build_world(session)
    rows = pupils.class_pupils(session, w.viewer("pp_granted"), w.classes["class_a"].id)
    assert [(r.last_name, r.status, r.status_label) for r in rows] == [
        ("Attente", "waiting", "En attente de l'autorisation parentale"),
        ("Autorisée", "authorised", "Autorisation reçue, accès à ouvrir"),
        ("Ouvert", "open", "Accès ouvert"),
    ]
    assert rows[2].access_opened_at == NOW - dt.timedelta(days=3)
    assert rows[1].authorisation_received_on == TODAY - dt.timedelta(days=5)
    closed = pupils.class_pupils(session, w.viewer("principal_a"), w.classes["class_c"].id)
    assert closed[0].status_label == "Accès ouvert (classe fermée : pas d'accès pour l'instant)"
    counts = pupils.pupil_counts(session, w.viewer("cpe_granted"), w.classes["class_a"].id)
    assert (counts.total, counts.waiting, counts.authorised, counts.open) == (3, 1, 1, 1)
    with pytest.raises(PermissionDenied):
        pupils.class_pupils(session, w.viewer("prof_other"), w.classes["class_a"].id)


def test_accents_do_not_disturb_the_order(session):
    w = build_world(session)
    for i, (first, last) in enumerate([("Zoé", "Élise"), ("Adam", "eluard"), ("Anaïs", "Émery")]):
        signup.signup_student(
            session,
            class_code="DDDDD2",
            first_name=first,
            last_name=last,
            email=f"p{i}@exemple.fr",
            password=PASSWORD,
        )
    rows = pupils.class_pupils(session, w.viewer("principal_a"), w.classes["class_d"].id)
    assert [r.last_name for r in rows] == ["Élise", "eluard", "Émery"]


# ---------------------------------------------------------------------------------------------
# From sign-up to open access (R1)
# ---------------------------------------------------------------------------------------------


def test_the_pupil_journey_to_the_offer_search(session):
    w = build_world(session)
    teacher = w.viewer("prof_granted")  # a teacher following the class, not its pp
    user = signup.signup_student(
        session,
        class_code="aaaaa2",
        first_name="Léa",
        last_name="Nouvelle",
        email="lea@exemple.fr",
        password=PASSWORD,
    )
    lea = access.Viewer.of(user)
    with pytest.raises(PermissionDenied, match="autorisation signée"):
        access.require(session, lea, "search.use")

    result = pupils.open_access(session, teacher, [user.id], now=NOW)  # no form yet: skipped
    assert (result.opened, result.skipped) == ([], ["Léa Nouvelle"])
    assert "Sans autorisation parentale enregistrée" in result.message

    assert pupils.record_authorisation(session, teacher, [user.id], "2026-11-17", now=NOW) == 1
    result = pupils.open_access(session, teacher, [user.id], now=NOW)
    assert result.opened == [user.id] and result.message == "1 accès ouvert."
    assert access.require(session, lea, "search.use").user_id == user.id
    [mail] = (
        session.execute(select(OutboxMail).where(OutboxMail.to_email == "lea@exemple.fr"))
        .scalars()
        .all()
    )
    assert mail.subject == "Stages 3e : ton accès est ouvert"
    profile = _profile(session, user.id)
    assert (
        profile.authorisation_received_on,
        profile.authorisation_recorded_by_id,
        profile.access_opened_at,
        profile.access_opened_by_id,
    ) == (dt.date(2026, 11, 17), w.uid("prof_granted"), NOW, w.uid("prof_granted"))

    # a double click: nothing changes, no second mail
    again = pupils.open_access(session, teacher, [user.id], now=NOW + dt.timedelta(seconds=2))
    assert again.already_open == [user.id] and again.opened == []
    assert (
        len(
            session.execute(select(OutboxMail).where(OutboxMail.to_email == "lea@exemple.fr")).all()
        )
        == 1
    )

    pupils.withdraw_access(session, w.viewer("pp_granted"), user.id)
    with pytest.raises(PermissionDenied):
        access.require(session, lea, "search.use")
    assert _profile(session, user.id).authorisation_received_on == dt.date(2026, 11, 17)


def test_bulk_open_reports_skipped_and_closed_classes(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    ids = [w.uid("pupil_waiting"), w.uid("pupil_authorised"), w.uid("pupil_open")]
    result = pupils.open_access(session, principal, ids, now=NOW)
    assert result.opened == [w.uid("pupil_authorised")]
    assert result.already_open == [w.uid("pupil_open")]
    assert result.skipped == ["Wassim Attente"]
    assert result.message.startswith("1 accès ouvert. 1 élève avait déjà son accès.")

    pupils.withdraw_access(session, principal, w.uid("pupil_closed"))
    closed = pupils.open_access(session, principal, [w.uid("pupil_closed")], now=NOW)
    assert closed.closed_classes == ["3e C"] and "est fermée" in closed.message


@pytest.mark.parametrize("forged", ["pupil_3eb", "pupil_b", "principal_a", 987654])
def test_bulk_operations_with_a_forged_pupil_change_nothing(session, forged):
    w = build_world(session)
    pp = w.viewer("pp_granted")
    forged_id = forged if isinstance(forged, int) else w.uid(forged)
    ids = [w.uid("pupil_waiting"), w.uid("pupil_authorised"), forged_id]
    before = snapshot(session)
    with pytest.raises(PermissionDenied, match="rien n'a été modifié"):
        pupils.record_authorisation(session, pp, ids, TODAY, now=NOW)
    with pytest.raises(PermissionDenied, match="rien n'a été modifié"):
        pupils.open_access(session, pp, ids, now=NOW)
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("received", "message"),
    [
        (TODAY + dt.timedelta(days=1), "dans le futur"),
        ("2030-01-01", "dans le futur"),
        (dt.date(2025, 8, 31), "postérieure au 1 septembre 2025"),
        ("hier", "pas une date valide"),
        (None, "pas une date valide"),
    ],
)
def test_bad_reception_dates(session, received, message):
    w = build_world(session)
    before = snapshot(session)
    with pytest.raises(ValidationError, match=message) as err:
        pupils.record_authorisation(
            session, w.viewer("pp_granted"), [w.uid("pupil_waiting")], received, now=NOW
        )
    assert err.value.field == "received_on"
    assert snapshot(session) == before


def test_an_empty_selection_is_refused(session):
    w = build_world(session)
    with pytest.raises(ValidationError, match="au moins un élève"):
        pupils.record_authorisation(session, w.viewer("pp_granted"), [], TODAY, now=NOW)
    with pytest.raises(ValidationError, match="au moins un élève"):
        pupils.open_access(session, w.viewer("pp_granted"), [], now=NOW)


def test_the_reception_date_can_be_today_in_paris(session):
    w = build_world(session)
    late_evening = dt.datetime(2026, 11, 18, 23, 30, tzinfo=dt.UTC)  # already the 19th in Paris
    pupils.record_authorisation(
        session,
        w.viewer("pp_granted"),
        w.uid("pupil_waiting"),
        dt.date(2026, 11, 19),
        now=late_evening,
    )


def test_clearing_an_authorisation_closes_access_and_deletes_the_scan(session, private_dir):
    w = build_world(session)
    pp = w.viewer("pp_granted")
    pupils.attach_authorisation_scan(session, pp, w.uid("pupil_open"), "scan.png", PNG, now=NOW)
    [stored] = list(private_dir.rglob("*.png"))
    pupils.clear_authorisation(session, pp, w.uid("pupil_open"))
    profile = _profile(session, w.uid("pupil_open"))
    assert (
        profile.authorisation_received_on,
        profile.access_opened_at,
        profile.authorisation_file,
    ) == (None, None, None)
    assert not stored.exists()
    with pytest.raises(PermissionDenied):
        access.require(session, w.viewer("pupil_open"), "search.use")


# ---------------------------------------------------------------------------------------------
# Private scans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ext", "mime"),
    [(PNG, "png", "image/png"), (JPEG, "jpg", "image/jpeg"), (PDF, "pdf", "application/pdf")],
)
def test_scans_are_stored_privately(session, private_dir, data, ext, mime):
    w = build_world(session)
    pp = w.viewer("pp_granted")
    pupils.attach_authorisation_scan(
        session, pp, w.uid("pupil_waiting"), "../../etc/Wassim.gif", data, now=NOW
    )
    profile = _profile(session, w.uid("pupil_waiting"))
    assert re.fullmatch(
        rf"autorisations/{profile.school_id}/[0-9a-f]{{32}}\.{ext}", profile.authorisation_file
    )
    path = private_dir / profile.authorisation_file
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o077 == 0  # owner only
    # attaching the signed form records it as received today
    assert profile.authorisation_received_on == TODAY
    name, content, content_type = pupils.authorisation_scan(
        session, w.viewer("principal_a"), w.uid("pupil_waiting")
    )
    assert (name, content, content_type) == (f"autorisation-attente-wassim.{ext}", data, mime)
    for outsider in ("cpe_granted", "prof_other", "principal_b", "pupil_waiting"):
        with pytest.raises(PermissionDenied):
            pupils.authorisation_scan(session, w.viewer(outsider), w.uid("pupil_waiting"))


def test_a_new_scan_replaces_the_old_file(session, private_dir):
    w = build_world(session)
    pp = w.viewer("pp_granted")
    pupils.attach_authorisation_scan(session, pp, w.uid("pupil_open"), "a.png", PNG, now=NOW)
    pupils.attach_authorisation_scan(session, pp, w.uid("pupil_open"), "b.pdf", PDF, now=NOW)
    assert [p.suffix for p in private_dir.rglob("*") if p.is_file()] == [".pdf"]
    assert _profile(session, w.uid("pupil_open")).authorisation_received_on == TODAY - dt.timedelta(
        days=5
    )
    pupils.delete_authorisation_scan(session, pp, w.uid("pupil_open"))
    assert [p for p in private_dir.rglob("*") if p.is_file()] == []
    with pytest.raises(NotFound, match="Aucun scan"):
        pupils.authorisation_scan(session, pp, w.uid("pupil_open"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "PDF, une photo JPEG ou une image PNG"),
        (b"<html>%PDF-1.4</html>", "PDF, une photo JPEG ou une image PNG"),
        (b"MZ\x90\x00", "PDF, une photo JPEG ou une image PNG"),
        (b"", "vide"),
        (PDF + b"0" * (5 * 1024 * 1024), "trop lourd"),
    ],
)
def test_bad_scans_are_refused(session, private_dir, data, message):
    w = build_world(session)
    before = snapshot(session)
    with pytest.raises(ValidationError, match=message) as err:
        pupils.attach_authorisation_scan(
            session, w.viewer("pp_granted"), w.uid("pupil_open"), "scan.pdf", data, now=NOW
        )
    assert err.value.field == "file"
    assert snapshot(session) == before
    assert not private_dir.exists() or not any(p.is_file() for p in private_dir.rglob("*"))


def test_exactly_five_megabytes_is_accepted(session, private_dir):
    w = build_world(session)
    data = PDF + b"0" * (pupils.SCAN_MAX_BYTES - len(PDF))
    pupils.attach_authorisation_scan(
        session, w.viewer("pp_granted"), w.uid("pupil_open"), "s.pdf", data, now=NOW
    )


def test_private_dir_inside_the_public_upload_dir_is_refused(session, tmp_path, monkeypatch):
    w = build_world(session)
    monkeypatch.setenv("REFLEX_UPLOADED_FILES_DIR", str(tmp_path / "uploaded_files"))
    monkeypatch.setattr(settings, "PRIVATE_DIR", tmp_path / "uploaded_files" / "private")
    with pytest.raises(RuntimeError, match="public"):
        pupils.attach_authorisation_scan(
            session, w.viewer("pp_granted"), w.uid("pupil_open"), "s.png", PNG, now=NOW
        )
    assert not (tmp_path / "uploaded_files").exists()


# ---------------------------------------------------------------------------------------------
# The printable form
# ---------------------------------------------------------------------------------------------


def _page_streams(pdf: bytes) -> bytes:
    """The decompressed content streams of a PDF (enough to find text written in a core font)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return b"\n".join(out)


def test_sign_up_links(monkeypatch):
    assert pupils.pupil_signup_link() == "/inscription/eleve"
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://stages3e.example.fr")
    assert (
        pupils.pupil_signup_link("K7QR2M")
        == "https://stages3e.example.fr/inscription/eleve?code=K7QR2M"
    )


def test_the_form_has_the_class_code(session, monkeypatch):
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://stages3e.example.fr")
    w = build_world(session)
    pdf = pupils.authorisation_form_pdf(
        session, w.viewer("pp_granted"), w.classes["class_a"].id, now=NOW
    )
    assert pdf.startswith(b"%PDF-")
    assert (
        pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page ") >= 1
    )
    assert b"(AAAAA2)" in _page_streams(pdf)
    with pytest.raises(PermissionDenied):
        pupils.authorisation_form_pdf(session, w.viewer("cpe_granted"), w.classes["class_a"].id)
    with pytest.raises(PermissionDenied):
        pupils.authorisation_form_pdf(session, w.viewer("pp_granted"), w.classes["class_b1"].id)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_form_reads_in_french(session, monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://stages3e.example.fr")
    w = build_world(session)
    pdf = pupils.authorisation_form_pdf(
        session, w.viewer("principal_a"), w.classes["class_a"].id, now=NOW
    )
    (tmp_path / "f.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "f.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    for expected in [
        "Autorisation parentale d'inscription à Stages 3e",
        "Collège Jean Moulin (Aubervilliers) — UAI 0931234A — classe 3e A — "
        "année scolaire 2026-2027",
        "Ce que votre enfant y fera",
        "Les données conservées et qui les voit",
        "Durée de conservation",
        "Vos droits (RGPD)",
        "CNIL",
        "https://stages3e.example.fr/inscription/eleve",
        "code de la classe : AAAAA2",
        "Signature du ou des responsables légaux",
        "Signature de l'élève",
        "responsable légal(e) de l'élève",
    ]:
        assert expected in flat, expected
    pages = subprocess.run(
        ["pdfinfo", str(tmp_path / "f.pdf")], capture_output=True, text=True
    ).stdout
    assert re.search(r"Pages:\s+1\b", pages)


def test_the_form_without_unicode_fonts(session, monkeypatch):
    from stages_app.services import pdf as pdf_setup

    monkeypatch.setattr(pdf_setup, "FONT_DIRS", ())
    w = build_world(session)
    pdf = pupils.authorisation_form_pdf(
        session, w.viewer("principal_a"), w.classes["class_a"].id, now=NOW
    )
    streams = _page_streams(pdf)
    assert b"(AAAAA2)" in streams
    assert "Durée de conservation".encode("latin-1") in streams  # core fonts: Latin-1 text
