"""Staff journeys: the principal invites, the invited person signs up from the link and is
granted; someone signs up without invitation, names their class and waits; the principal grants,
changes and revokes rights; teachers follow classes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from stages_app import settings
from stages_app.models import (
    ClassFollow,
    Invitation,
    Notification,
    OutboxMail,
    SchoolClass,
    StaffMembership,
    User,
)
from stages_app.services import access, accounts, signup, staff
from stages_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.unit.account_helpers import PASSWORD
from tests.unit.school_helpers import INVITATION_TOKEN, NOW, build_world, race, snapshot


def _mails(session, **where):
    q = select(OutboxMail)
    for key, value in where.items():
        q = q.where(getattr(OutboxMail, key) == value)
    return session.execute(q.order_by(OutboxMail.id)).scalars().all()


def _token_from(mail: OutboxMail) -> str:
    line = next(line for line in mail.body.splitlines() if "jeton=" in line)
    return line.split("jeton=", 1)[1].strip()


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def test_invitation_link_signup_and_grant(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    invitation, token = staff.invite_staff(
        session,
        principal,
        email="  Marie.Curie@AC-Creteil.FR ",
        function="professeur_principal",
        class_id=w.classes["class_d"].id,
        now=NOW,
    )
    assert invitation.email == "marie.curie@ac-creteil.fr"
    assert (
        invitation.token_hash == accounts.hash_token(token) and token not in invitation.token_hash
    )
    assert invitation.expires_at == NOW + dt.timedelta(days=7)
    [mail] = _mails(session, to_email="marie.curie@ac-creteil.fr")
    assert f"/inscription/invitation?jeton={token}" in mail.body
    assert "Anne Ernaux, chef d'établissement du Collège Jean Moulin" in mail.body
    assert "professeur principal de la classe 3e D" in mail.body
    assert _token_from(mail) == token

    preview = staff.invitation_preview(session, token, now=NOW + dt.timedelta(days=1))
    assert (
        preview.school_name,
        preview.uai,
        preview.email,
        preview.function_label,
        preview.class_name,
        preview.inviter_name,
    ) == (
        "Collège Jean Moulin",
        "0931234A",
        "marie.curie@ac-creteil.fr",
        "Professeur principal",
        "3e D",
        "Anne Ernaux",
    )

    user = staff.signup_from_invitation(
        session,
        token,
        first_name="Marie",
        last_name="Curie",
        password=PASSWORD,
        now=NOW + dt.timedelta(days=1),
    )
    assert (user.role, user.email, user.status) == (
        "teacher",
        "marie.curie@ac-creteil.fr",
        "active",
    )
    membership = session.execute(
        select(StaffMembership).where(StaffMembership.user_id == user.id)
    ).scalar_one()
    assert (membership.status, membership.function, membership.granted_by_id) == (
        "granted",
        "professeur_principal",
        w.uid("principal_a"),
    )
    assert membership.granted_at == NOW + dt.timedelta(days=1)
    assert session.get(SchoolClass, w.classes["class_d"].id).main_teacher_id == user.id
    # the link proved the mailbox: the account logs in at once and sees its class
    logged, _token = accounts.login(session, "marie.curie@ac-creteil.fr", PASSWORD)
    viewer = access.Viewer.of(logged)
    assert [c.name for c in staff.my_classes(session, viewer)] == ["3e D"]
    assert staff.my_classes(session, viewer)[0].is_main
    notes = (
        session.execute(select(Notification).where(Notification.user_id == w.uid("principal_a")))
        .scalars()
        .all()
    )
    assert [n.title for n in notes] == ["Marie Curie a accepté votre invitation"]
    rows = staff.list_invitations(session, principal, now=NOW + dt.timedelta(days=1))
    assert [(r.email, r.status) for r in rows] == [
        ("marie.curie@ac-creteil.fr", "accepted"),
        ("invite@ac-creteil.fr", "pending"),
    ]

    # the same link again: used once only
    with pytest.raises(ValidationError, match="déjà servi"):
        staff.invitation_preview(session, token)
    before = snapshot(session)
    with pytest.raises(ValidationError, match="déjà servi"):
        staff.signup_from_invitation(
            session, token, first_name="Marie", last_name="Curie", password=PASSWORD
        )
    assert snapshot(session) == before


def test_public_url_prefixes_the_link(session, monkeypatch):
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://stages3e.example.fr")
    w = build_world(session)
    _inv, token = staff.invite_staff(
        session, w.viewer("principal_a"), email="a.b@ac-creteil.fr", function="cpe", now=NOW
    )
    [mail] = _mails(session, to_email="a.b@ac-creteil.fr")
    assert f"https://stages3e.example.fr/inscription/invitation?jeton={token}" in mail.body


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"email": "marie.curie@gmail.com", "function": "cpe"}, "email", "@ac-creteil.fr"),
        ({"email": "marie.curie@ac-paris.fr", "function": "cpe"}, "email", "@ac-creteil.fr"),
        (
            {"email": "marie.curie@ac-creteil.fr.evil.com", "function": "cpe"},
            "email",
            "@ac-creteil.fr",
        ),
        ({"email": "pas-une-adresse", "function": "cpe"}, "email", "pas valide"),
        (
            {"email": "m.c@ac-creteil.fr", "function": "principal"},
            "function",
            "qu'un chef d'établissement",
        ),
        ({"email": "m.c@ac-creteil.fr", "function": "directeur"}, "function", "dans la liste"),
        (
            {"email": "m.c@ac-creteil.fr", "function": "professeur_principal"},
            "class_id",
            "Choisissez la classe",
        ),
        (
            {"email": "m.c@ac-creteil.fr", "function": "professeur_principal", "class_id": "abc"},
            "class_id",
            "de votre collège",
        ),
        ({"email": "pp.granted@ac-creteil.fr", "function": "cpe"}, "email", "liste des personnels"),
        (
            {"email": "ce.0751234b@ac-creteil.fr", "function": "cpe"},
            None,
            None,
        ),  # control: accepted
    ],
)
def test_bad_invitations(session, kwargs, field, message):
    w = build_world(session)
    before = snapshot(session)
    if message is None:
        staff.invite_staff(session, w.viewer("principal_a"), now=NOW, **kwargs)
        return
    with pytest.raises((ValidationError, Conflict)) as err:
        staff.invite_staff(session, w.viewer("principal_a"), now=NOW, **kwargs)
    assert message in err.value.message
    assert err.value.field == field
    assert snapshot(session) == before


def test_a_class_of_another_school_cannot_be_named(session):
    w = build_world(session)
    with pytest.raises(ValidationError, match="de votre collège"):
        staff.invite_staff(
            session,
            w.viewer("principal_a"),
            email="m.c@ac-creteil.fr",
            function="professeur_principal",
            class_id=w.classes["class_b1"].id,
            now=NOW,
        )


def test_an_existing_account_elsewhere_cannot_be_invited(session):
    w = build_world(session)
    w.users["cpe_b"].email = "cpe.b@ac-creteil.fr"  # moved académie, still has an account
    session.commit()
    with pytest.raises(Conflict, match="ne peut pas être invitée"):
        staff.invite_staff(
            session, w.viewer("principal_a"), email="cpe.b@ac-creteil.fr", function="cpe", now=NOW
        )


def test_reinviting_replaces_and_a_double_click_is_refused(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    first, token1 = staff.invite_staff(
        session, principal, email="x.y@ac-creteil.fr", function="cpe", now=NOW
    )
    with pytest.raises(Conflict, match="vient d'être envoyée"):
        staff.invite_staff(
            session,
            principal,
            email="X.Y@ac-creteil.fr",
            function="cpe",
            now=NOW + dt.timedelta(seconds=5),
        )
    assert len(_mails(session, to_email="x.y@ac-creteil.fr")) == 1
    # later (or with another function): a new invitation replaces the old one
    second, token2 = staff.invite_staff(
        session,
        principal,
        email="x.y@ac-creteil.fr",
        function="documentaliste",
        now=NOW + dt.timedelta(hours=1),
    )
    live = (
        session.execute(
            select(Invitation).where(
                Invitation.email == "x.y@ac-creteil.fr", Invitation.cancelled_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    assert [i.id for i in live] == [second.id]
    with pytest.raises(ValidationError, match="remplacé"):
        staff.invitation_preview(session, token1, now=NOW + dt.timedelta(hours=2))
    assert staff.invitation_preview(
        session, token2, now=NOW + dt.timedelta(hours=2)
    ).function_label == ("Professeur documentaliste")
    assert len(_mails(session, to_email="x.y@ac-creteil.fr")) == 2


def test_invitation_expiry_and_cancellation(session):
    w = build_world(session)
    later = NOW + dt.timedelta(days=6, hours=23)
    assert (
        staff.invitation_preview(session, INVITATION_TOKEN, now=NOW).email == "invite@ac-creteil.fr"
    )
    before = snapshot(session)
    with pytest.raises(ValidationError, match="a expiré"):
        staff.signup_from_invitation(
            session,
            INVITATION_TOKEN,
            first_name="In",
            last_name="Vité",
            password=PASSWORD,
            now=later,
        )
    assert snapshot(session) == before
    rows = staff.list_invitations(session, w.viewer("principal_a"), now=later)
    assert [r.status_label for r in rows] == ["Expirée"]
    staff.cancel_invitation(session, w.viewer("principal_a"), w.invitations["inv_a"].id, now=NOW)
    with pytest.raises(ValidationError, match="pas valide"):
        staff.invitation_preview(session, INVITATION_TOKEN, now=NOW)
    for token in ("", None, "inconnu", "x" * 500, 42):
        with pytest.raises(ValidationError, match="pas valide"):
            staff.invitation_preview(session, token)
    with pytest.raises(NotFound):
        staff.cancel_invitation(session, w.viewer("principal_a"), 987654)


def test_invitation_signup_with_bad_input_saves_nothing(session):
    build_world(session)
    before = snapshot(session)
    with pytest.raises(ValidationError):
        staff.signup_from_invitation(
            session, INVITATION_TOKEN, first_name="In", last_name="Vité", password="court", now=NOW
        )
    with pytest.raises(ValidationError, match="prénom"):
        staff.signup_from_invitation(
            session, INVITATION_TOKEN, first_name="", last_name="Vité", password=PASSWORD, now=NOW
        )
    assert snapshot(session) == before
    user = staff.signup_from_invitation(
        session, INVITATION_TOKEN, first_name="In", last_name="Vité", password=PASSWORD, now=NOW
    )
    assert user.role == "staff"  # a CPE


def test_invited_main_teacher_of_a_class_that_has_one_follows_it(session):
    w = build_world(session)
    _inv, token = staff.invite_staff(
        session,
        w.viewer("principal_a"),
        email="n.pp@ac-creteil.fr",
        function="professeur_principal",
        class_id=w.classes["class_a"].id,
        now=NOW,
    )
    user = staff.signup_from_invitation(
        session, token, first_name="Nina", last_name="Nouvelle", password=PASSWORD, now=NOW
    )
    assert session.get(SchoolClass, w.classes["class_a"].id).main_teacher_id == w.uid("pp_granted")
    assert session.execute(
        select(ClassFollow).where(ClassFollow.user_id == user.id)
    ).scalar_one().class_id == (w.classes["class_a"].id)
    note = session.execute(
        select(Notification).where(Notification.user_id == w.uid("principal_a"))
    ).scalar_one()
    assert "avait déjà un professeur principal" in note.body


def test_invited_professeur_follows_the_named_class(session):
    w = build_world(session)
    _inv, token = staff.invite_staff(
        session,
        w.viewer("principal_a"),
        email="p.f@ac-creteil.fr",
        function="professeur",
        class_id=w.classes["class_b"].id,
        now=NOW,
    )
    user = staff.signup_from_invitation(
        session, token, first_name="Paul", last_name="Fort", password=PASSWORD, now=NOW
    )
    assert access.can(
        session, access.Viewer.of(user), "class.pupils.manage", w.classes["class_b"].id
    )


# ---------------------------------------------------------------------------------------------
# Sign-up without invitation, the Personnels page
# ---------------------------------------------------------------------------------------------


def test_pending_teacher_names_their_class_and_is_granted(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    assert [c.name for c in staff.class_choices(session, "0931234a")] == [
        "3e A",
        "3e B",
        "3e C",
        "3e D",
    ]
    assert staff.class_choices(session, "9999999Z") == []
    user = signup.signup_staff(
        session,
        school_uai="0931234A",
        function="professeur_principal",
        first_name="Jules",
        last_name="Verne",
        email="jules.verne@ac-creteil.fr",
        password=PASSWORD,
    )
    viewer = access.Viewer.of(user)
    staff.request_class(session, viewer, w.classes["class_d"].id)
    with pytest.raises(PermissionDenied, match="pas encore ouvert"):
        staff.my_classes(session, viewer)
    assert staff.announce_pending_signup(session, user.id) == "Anne Ernaux"
    assert staff.announce_pending_signup(session, user.id) == "Anne Ernaux"  # twice: one mail
    [mail] = _mails(session, to_email="ce.0931234a@ac-creteil.fr")
    assert "Jules Verne (jules.verne@ac-creteil.fr)" in mail.body and "classe 3e D" in mail.body
    assert (
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == w.uid("principal_a"), Notification.kind == "staff_pending"
            )
        ).scalar_one()
        == 1
    )

    rows = staff.list_staff(session, principal)
    assert rows[0].status == "pending"  # waiting people first
    jules = next(r for r in rows if r.email == "jules.verne@ac-creteil.fr")
    assert (jules.requested_class, jules.status_label, jules.can_manage) == (
        "3e D",
        "En attente de droits",
        True,
    )
    me = next(r for r in rows if r.user_id == w.uid("principal_a"))
    assert me.can_manage is False

    message = staff.grant(session, principal, jules.membership_id, now=NOW)
    assert message == (
        "Droits accordés à Jules Verne (Professeur principal). "
        "Jules Verne est professeur principal de la classe 3e D."
    )
    assert session.get(SchoolClass, w.classes["class_d"].id).main_teacher_id == user.id
    [granted_mail] = _mails(session, to_email="jules.verne@ac-creteil.fr")
    assert granted_mail.subject == "Stages 3e : vos droits sont ouverts"
    assert [c.name for c in staff.my_classes(session, viewer)] == ["3e D"]
    # granting again (double click) changes nothing and sends nothing
    before = snapshot(session)
    assert "déjà ses droits" in staff.grant(session, principal, jules.membership_id, now=NOW)
    assert snapshot(session) == before
    assert staff.announce_pending_signup(session, user.id) is None


def test_no_principal_yet(session):
    w = build_world(session)
    w.memberships["principal_a"].status = "revoked"
    session.commit()
    user = signup.signup_staff(
        session,
        school_uai="0931234A",
        function="cpe",
        first_name="Camille",
        last_name="Claudel",
        email="c.c@ac-creteil.fr",
        password=PASSWORD,
    )
    assert staff.announce_pending_signup(session, user.id) is None
    assert _mails(session) == []


def test_request_class_rules(session):
    w = build_world(session)
    with pytest.raises(PermissionDenied, match="déjà accordés"):
        staff.request_class(session, w.viewer("pp_granted"), w.classes["class_d"].id)
    with pytest.raises(PermissionDenied):
        staff.request_class(session, w.viewer("cpe_pending"), w.classes["class_d"].id)
    with pytest.raises(PermissionDenied):
        staff.request_class(session, w.viewer("pp_pending"), w.classes["class_b1"].id)
    staff.request_class(session, w.viewer("pp_pending"), None)
    assert session.get(StaffMembership, w.memberships["pp_pending"].id).requested_class_id is None


def test_granting_a_pending_pp_whose_class_is_led_makes_them_follow_it(session):
    w = build_world(session)
    message = staff.grant(session, w.viewer("principal_a"), w.memberships["pp_pending"].id, now=NOW)
    assert "suit la classe 3e A" in message and "avait déjà un professeur principal" in message
    assert access.can(
        session, w.viewer("pp_pending"), "class.pupils.manage", w.classes["class_a"].id
    )


def test_change_function_revoke_and_grant_again(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    pp = w.memberships["pp_granted"]
    # professeur principal -> professeur: the class is released but still followed
    assert staff.change_function(session, principal, pp.id, "professeur") == (
        "Prénom Pp granted est maintenant : Professeur."
    )
    assert session.get(SchoolClass, w.classes["class_a"].id).main_teacher_id is None
    assert access.can(
        session, w.viewer("pp_granted"), "class.pupils.manage", w.classes["class_a"].id
    )
    # professeur -> CPE: the account becomes staff, sees every class, manages none
    staff.change_function(session, principal, pp.id, "cpe")
    assert session.get(User, w.uid("pp_granted")).role == "staff"
    assert access.can(session, w.viewer("pp_granted"), "school.dashboard", w.schools["school_a"].id)
    assert not access.can(
        session, w.viewer("pp_granted"), "class.pupils.manage", w.classes["class_a"].id
    )
    with pytest.raises(ValidationError, match="qu'un chef"):
        staff.change_function(session, principal, pp.id, "principal")

    assert (
        staff.revoke(session, principal, pp.id, now=NOW)
        == "Les droits de Prénom Pp granted sont retirés."
    )
    assert not access.can(session, w.viewer("pp_granted"), "school.view", w.schools["school_a"].id)
    assert (
        staff.revoke(session, principal, pp.id, now=NOW)
        == "Les droits de Prénom Pp granted sont déjà retirés."
    )
    assert len(_mails(session, kind="staff_revoked")) == 1
    row = next(r for r in staff.list_staff(session, principal) if r.membership_id == pp.id)
    assert (row.status, row.revoked_at) == ("revoked", NOW)

    staff.grant(session, principal, pp.id, "professeur", now=NOW + dt.timedelta(hours=1))
    m = session.get(StaffMembership, pp.id)
    assert (m.status, m.function, m.revoked_at, m.granted_by_id) == (
        "granted",
        "professeur",
        None,
        w.uid("principal_a"),
    )
    assert session.get(User, w.uid("pp_granted")).role == "teacher"


def test_nobody_acts_on_a_principal_or_on_another_school(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    for call in (staff.revoke, staff.grant):
        with pytest.raises(PermissionDenied):
            call(session, principal, w.memberships["principal_a"].id)
        with pytest.raises(PermissionDenied):
            call(session, principal, w.memberships["cpe_b"].id)  # forged id of school B
        with pytest.raises(NotFound):
            call(session, principal, 987654)
    with pytest.raises(PermissionDenied):
        staff.change_function(session, principal, w.memberships["principal_b"].id, "cpe")
    with pytest.raises(NotFound):
        staff.grant(session, principal, "12")


# ---------------------------------------------------------------------------------------------
# Classes followed, main teachers
# ---------------------------------------------------------------------------------------------


def test_teachers_follow_classes(session):
    w = build_world(session)
    prof = w.viewer("prof_other")
    assert staff.my_classes(session, prof) == []
    choices = staff.followable_classes(session, prof)
    assert [(c.name, c.main_teacher_name, c.followed) for c in choices][:2] == [
        ("3e A", "Prénom Pp granted", False),
        ("3e B", "Prénom Pp revoked", False),
    ]
    staff.follow_class(session, prof, w.classes["class_b"].id)
    staff.follow_class(session, prof, w.classes["class_b"].id)  # double click
    assert (
        session.execute(
            select(func.count())
            .select_from(ClassFollow)
            .where(ClassFollow.user_id == w.uid("prof_other"))
        ).scalar_one()
        == 1
    )
    [row] = staff.my_classes(session, prof)
    assert (
        row.name,
        row.followed,
        row.is_main,
        row.pupils,
        row.opened,
        row.join_code,
        row.can_manage,
    ) == ("3e B", True, False, 1, 1, "BBBBB2", True)
    staff.unfollow_class(session, prof, w.classes["class_b"].id)
    staff.unfollow_class(session, prof, w.classes["class_b"].id)
    assert staff.my_classes(session, prof) == []
    with pytest.raises(PermissionDenied):
        staff.follow_class(session, prof, w.classes["class_b1"].id)  # another school
    with pytest.raises(PermissionDenied, match="Seuls les professeurs"):
        staff.followable_classes(session, w.viewer("cpe_granted"))


def test_principal_and_staff_see_every_class(session):
    w = build_world(session)
    rows = staff.my_classes(session, w.viewer("cpe_granted"))
    assert [r.name for r in rows] == ["3e A", "3e B", "3e C", "3e D"]
    assert all(r.join_code == "" and not r.can_manage for r in rows)
    a = staff.my_classes(session, w.viewer("principal_a"))[0]
    assert (a.join_code, a.can_manage, a.waiting, a.authorised, a.opened) == (
        "AAAAA2",
        True,
        1,
        1,
        1,
    )


def test_set_main_teacher(session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    assert [t.name for t in staff.teacher_choices(session, principal)] == [
        "Paul Autre",
        "Prénom Pp granted",
        "Prénom Prof granted",
    ]
    message = staff.set_main_teacher(
        session, principal, w.classes["class_a"].id, w.uid("prof_granted")
    )
    assert message == "Prénom Prof granted est professeur principal de la classe 3e A."
    assert (
        session.get(StaffMembership, w.memberships["prof_granted"].id).function
        == "professeur_principal"
    )
    # the previous professeur principal keeps following the class
    assert access.can(
        session, w.viewer("pp_granted"), "class.pupils.manage", w.classes["class_a"].id
    )
    for bad in (
        w.uid("cpe_granted"),
        w.uid("prof_pending"),
        w.uid("prof_b"),
        w.uid("pupil_open"),
        987654,
    ):
        with pytest.raises(ValidationError, match="dont les droits sont accordés"):
            staff.set_main_teacher(session, principal, w.classes["class_a"].id, bad)
    staff.set_main_teacher(session, principal, w.classes["class_a"].id, None)
    assert session.get(SchoolClass, w.classes["class_a"].id).main_teacher_id is None
    with pytest.raises(PermissionDenied):
        staff.set_main_teacher(session, principal, w.classes["class_b1"].id, w.uid("prof_granted"))


def test_concurrent_invitations_and_sign_ups(engine, session):
    w = build_world(session)
    principal = w.viewer("principal_a")
    outcomes = race(
        engine,
        lambda s: staff.invite_staff(
            s, principal, email="r.c@ac-creteil.fr", function="cpe", now=NOW
        ),
    )
    assert outcomes == {"ok": 1, "Conflict": 5}
    assert (
        session.execute(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.email == "r.c@ac-creteil.fr")
        ).scalar_one()
        == 1
    )
    outcomes = race(
        engine,
        lambda s: staff.signup_from_invitation(
            s, INVITATION_TOKEN, first_name="In", last_name="Vité", password=PASSWORD, now=NOW
        ),
    )
    assert outcomes.get("ok") == 1 and set(outcomes) <= {"ok", "Conflict", "ValidationError"}
    assert (
        session.execute(
            select(func.count()).select_from(User).where(User.email == "invite@ac-creteil.fr")
        ).scalar_one()
        == 1
    )
