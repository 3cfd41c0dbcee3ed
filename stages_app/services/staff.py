"""School staff: invitations, the principal's "Personnels" page (grant, change, revoke), classes
followed by teachers and each class's professeur principal.

Conventions as in ``services.schools``: the viewer comes from the auth token, rights are checked
through ``services.access`` at every call, one commit per action, French messages.

Decisions
---------
* Invitations: principal only; the address must be on the school's académie domain
  (``@ac-<académie>.fr``, any case), like a sign-up without invitation: staff accounts see pupils'
  data, so they always use a professional mailbox, and a typo towards a personal address is caught.
  Any function but principal; a professeur principal's invitation names a class of the school; a
  professeur's may name a class to follow; other functions see every class and take no class.
  The link is valid ``INVITATION_TTL_DAYS`` days and works once. Inviting the same address again
  replaces the live invitation (the old link stops working); the same invitation submitted twice
  within ``RESEND_GRACE`` is refused as a double submission. An address that already has an
  account cannot be invited (a pending member is granted from the staff list instead).
* Signing up from an invitation gives GRANTED rights at once (granted by the inviter). A professeur
  principal becomes the class's main teacher when the class has none; when it already has one, the
  newcomer follows the class (same rights) and the principal is notified to choose. The same
  applies when the principal grants a pending professeur principal who named a class.
* ``change_function``: leaving professeur principal releases the classes they led (kept as
  followed classes when they stay a professeur). The account's role follows the function (teacher
  for professeur principal/professeur, staff otherwise).
* ``revoke`` keeps the person's account, follows and main-teacher links (a re-grant restores
  everything); every access check refuses them meanwhile. Nobody can act on a principal's
  membership here (the principal's own included).
* Mails (outbox, deduplicated): invitation -> invitee; pending sign-up -> principal
  (``announce_pending_signup``); rights granted or revoked -> staff member. In-app notifications
  for the same events, plus "invitation accepted" -> inviter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from stages_app import routes, settings
from stages_app.models import (
    ClassFollow,
    Invitation,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    StaffFunction,
    StaffMembership,
    User,
    stored_id,
)
from stages_app.services.access import (
    TEACHER_FUNCTIONS,
    Viewer,
    membership_of,
    require,
)
from stages_app.services.accounts import _now, create_user, hash_token, normalize_email
from stages_app.services.calendar import fr_date
from stages_app.services.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from stages_app.services.home import FUNCTION_LABEL
from stages_app.services.mail import queue_mail
from stages_app.services.notifications import notify as _notify
from stages_app.services.schools import (
    PARIS,
    _class_or_404,
    _names,
    _require_id,
    unit_of_work,
    viewer_school,
)
from stages_app.services.text import search_key

__all__ = [
    "INVITATION_PATH",
    "INVITATION_TTL_DAYS",
    "ClassChoice",
    "FollowChoice",
    "InvitationPreview",
    "InvitationRow",
    "MyClassRow",
    "StaffRow",
    "TeacherChoice",
    "announce_pending_signup",
    "cancel_invitation",
    "change_function",
    "class_choices",
    "follow_class",
    "followable_classes",
    "grant",
    "invitation_link",
    "invitation_preview",
    "invite_staff",
    "list_invitations",
    "list_staff",
    "my_classes",
    "request_class",
    "revoke",
    "set_main_teacher",
    "signup_from_invitation",
    "teacher_choices",
    "unfollow_class",
]

INVITATION_PATH = "/inscription/invitation"
INVITATION_TTL_DAYS = 7
RESEND_GRACE = dt.timedelta(minutes=2)

STATUS_LABEL = {
    RightsStatus.PENDING.value: "En attente de droits",
    RightsStatus.GRANTED.value: "Droits accordés",
    RightsStatus.REVOKED.value: "Droits retirés",
}

BAD_INVITATION = (
    "Ce lien d'invitation n'est pas valide : il a peut-être été remplacé par une invitation plus "
    "récente. Demandez au chef d'établissement de vous inviter à nouveau."
)
EXPIRED_INVITATION = (
    "Cette invitation a expiré (elle était valable {days} jours). Demandez au chef "
    "d'établissement de vous en envoyer une nouvelle."
)
USED_INVITATION = (
    "Cette invitation a déjà servi : votre compte existe. Connectez-vous avec votre adresse "
    "e-mail et votre mot de passe."
)


def _base_url() -> str:
    return str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")


def invitation_link(token: str) -> str:
    return f"{_base_url()}{INVITATION_PATH}?jeton={token}"


def _function_label(function: str, class_name: str = "") -> str:
    label = FUNCTION_LABEL.get(function, function)
    return f"{label} de la classe {class_name}" if class_name else label


def _clean_function(function: str, *, field: str = "function") -> str:
    try:
        value = StaffFunction(function).value
    except ValueError:
        raise ValidationError("Choisissez une fonction dans la liste.", field=field) from None
    if value == StaffFunction.PRINCIPAL.value:
        raise ValidationError(
            "Il n'y a qu'un chef d'établissement par collège : choisissez une autre fonction.",
            field=field,
        )
    return value


def _role_for(function: str) -> str:
    return Role.TEACHER.value if function in TEACHER_FUNCTIONS else Role.STAFF.value


def _academy_domain(school: School) -> str:
    domain = (school.academy_domain or "").strip().lower().lstrip("@")
    if not domain:
        raise ValidationError(
            "L'adresse e-mail académique de votre collège n'est pas connue de la plateforme : "
            "les invitations ne sont pas encore possibles. Contactez l'équipe de la plateforme.",
            field="email",
        )
    return domain


def _principal_of_school(session: Session, school_id: int) -> User | None:
    return session.exec(
        select(User)
        .join(StaffMembership, col(StaffMembership.user_id) == User.id)
        .where(
            StaffMembership.school_id == school_id,
            StaffMembership.function == StaffFunction.PRINCIPAL.value,
            StaffMembership.status == RightsStatus.GRANTED.value,
        )
        .order_by(col(StaffMembership.id))
    ).first()


def _fr_datetime(moment: dt.datetime) -> str:
    local = moment.astimezone(PARIS)
    return f"{fr_date(local.date())} à {local.hour} h {local.minute:02d}"


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def _invitation_class(
    session: Session, school: School, function: str, class_id: object
) -> SchoolClass | None:
    if function not in TEACHER_FUNCTIONS:
        return None  # other staff see every class: no class to name
    if class_id in (None, "", 0):
        if function == StaffFunction.PROFESSEUR_PRINCIPAL.value:
            raise ValidationError(
                "Choisissez la classe dont ce professeur sera le professeur principal.",
                field="class_id",
            )
        return None
    valid_id = isinstance(class_id, int) and not isinstance(class_id, bool)
    klass = session.get(SchoolClass, class_id) if valid_id else None
    if klass is None or klass.school_id != school.id:
        raise ValidationError(
            "Choisissez une classe de votre collège dans la liste.", field="class_id"
        )
    return klass


def invite_staff(
    session: Session,
    viewer: Viewer | None,
    *,
    email: str,
    function: str,
    class_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite a member of staff by e-mail (principal only). Returns the invitation and the raw
    token of its link (only the token's hash is stored); the mail is queued."""
    now = _now(now)
    school = viewer_school(session, viewer, "staff.manage")
    assert viewer is not None  # viewer_school raised NotAuthenticated otherwise
    domain = _academy_domain(school)
    email_value = normalize_email(email)
    if not email_value.endswith("@" + domain):
        raise ValidationError(
            f"Invitez une adresse e-mail académique : elle doit se terminer par @{domain}.",
            field="email",
        )
    function_value = _clean_function(function)
    klass = _invitation_class(session, school, function_value, class_id)

    existing_user = session.exec(select(User).where(User.email == email_value)).first()
    if existing_user is not None:
        member = session.exec(
            select(StaffMembership).where(StaffMembership.user_id == existing_user.id)
        ).first()
        if member is not None and member.school_id == school.id:
            raise Conflict(
                f"{existing_user.first_name} {existing_user.last_name} a déjà un compte dans votre "
                "collège : gérez ses droits depuis la liste des personnels.",
                field="email",
            )
        raise Conflict(
            "Un compte existe déjà avec cette adresse e-mail : cette personne ne peut pas être "
            "invitée.",
            field="email",
        )
    live = session.exec(
        select(Invitation).where(
            Invitation.school_id == school.id,
            Invitation.email == email_value,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.cancelled_at).is_(None),
        )
    ).all()
    for old in live:
        if (
            now - old.created_at < RESEND_GRACE
            and old.function == function_value
            and old.class_id == (klass.id if klass else None)
        ):
            raise Conflict(
                f"Une invitation vient d'être envoyée à {email_value}. Attendez quelques minutes "
                "avant de la renvoyer.",
                field="email",
            )

    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    expires = now + dt.timedelta(days=INVITATION_TTL_DAYS)
    with unit_of_work(
        session,
        conflict=(f"Une invitation vient d'être envoyée à {email_value} : rechargez la page."),
    ):
        for old in live:
            old.cancelled_at = now
        session.flush()  # the partial unique index sees the old one cancelled first
        invitation = Invitation(
            school_id=stored_id(school),
            email=email_value,
            function=function_value,
            class_id=klass.id if klass else None,
            token_hash=token_hash,
            invited_by_id=viewer.user_id,
            created_at=now,
            expires_at=expires,
        )
        session.add(invitation)
        role_text = _function_label(function_value, klass.name if klass else "")
        if function_value == StaffFunction.PROFESSEUR.value and klass is not None:
            role_text = f"professeur (classe suivie : {klass.name})"
        place = f" ({school.commune_name})" if school.commune_name else ""
        queue_mail(
            session,
            to=email_value,
            subject=f"Stages 3e : invitation du {school.name}",
            body=(
                "Bonjour,\n\n"
                f"{viewer.display_name}, chef d'établissement du {school.name}{place}, vous invite "
                "à rejoindre Stages 3e, la plateforme qui organise le stage d'observation de 3e, "
                f"en tant que {role_text[:1].lower() + role_text[1:]}.\n\n"
                "Pour créer votre compte, ouvrez ce lien avant le "
                f"{fr_date(expires.astimezone(PARIS).date())} :\n"
                f"{invitation_link(token)}\n\n"
                "Si vous ne vous attendiez pas à cette invitation, ignorez ce message.\n\n"
                "L'équipe Stages 3e\n"
            ),
            kind="staff_invitation",
            dedupe_key=f"staff_invitation:{token_hash[:32]}",
        )
    session.refresh(invitation)
    return invitation, token


@dataclasses.dataclass
class InvitationRow:
    id: int
    email: str
    function: str
    function_label: str
    class_name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: str  # "pending" | "expired" | "accepted" | "cancelled"
    status_label: str


def list_invitations(
    session: Session, viewer: Viewer | None, *, now: dt.datetime | None = None
) -> list[InvitationRow]:
    """The school's invitations, most recent first (principal only)."""
    now = _now(now)
    school = viewer_school(session, viewer, "staff.manage")
    rows = session.exec(
        select(Invitation, SchoolClass.name)
        .outerjoin(SchoolClass, col(SchoolClass.id) == Invitation.class_id)
        .where(Invitation.school_id == school.id)
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
    ).all()
    result = []
    for inv, class_name in rows:
        if inv.accepted_at is not None:
            status, label = "accepted", "Acceptée"
        elif inv.cancelled_at is not None:
            status, label = "cancelled", "Annulée ou remplacée"
        elif inv.expires_at <= now:
            status, label = "expired", "Expirée"
        else:
            status, label = "pending", "En attente"
        result.append(
            InvitationRow(
                stored_id(inv),
                inv.email,
                inv.function,
                FUNCTION_LABEL.get(inv.function, inv.function),
                class_name or "",
                inv.created_at,
                inv.expires_at,
                status,
                label,
            )
        )
    return result


def cancel_invitation(
    session: Session, viewer: Viewer | None, invitation_id: int, *, now: dt.datetime | None = None
) -> None:
    """Cancel a live invitation (principal of its school): its link stops working."""
    invitation = session.get(Invitation, _require_id(invitation_id))
    if invitation is None:
        raise NotFound("Cette invitation est introuvable.")
    with unit_of_work(session):
        require(session, viewer, "staff.manage", invitation.school_id)
        if invitation.accepted_at is not None:
            raise ValidationError(
                "Cette invitation a déjà été acceptée : elle ne peut plus être annulée."
            )
        if invitation.cancelled_at is None:
            invitation.cancelled_at = _now(now)


@dataclasses.dataclass(frozen=True)
class InvitationPreview:
    school_name: str
    uai: str
    email: str
    function: str
    function_label: str  # "Professeur principal"
    class_name: str  # "" when none
    commune: str = ""
    inviter_name: str = ""
    expires_at: dt.datetime | None = None


def _live_invitation(session: Session, token: object, now: dt.datetime) -> Invitation:
    if not token or not isinstance(token, str) or len(token) > 200:
        raise ValidationError(BAD_INVITATION)
    invitation = session.exec(
        select(Invitation)
        .where(Invitation.token_hash == hash_token(token))
        .execution_options(populate_existing=True)
    ).first()
    if invitation is None or invitation.cancelled_at is not None:
        raise ValidationError(BAD_INVITATION)
    if invitation.accepted_at is not None:
        raise ValidationError(USED_INVITATION)
    if invitation.expires_at <= now:
        raise ValidationError(EXPIRED_INVITATION.format(days=INVITATION_TTL_DAYS))
    return invitation


def invitation_preview(
    session: Session, token: str | None, *, now: dt.datetime | None = None
) -> InvitationPreview:
    """What the invitation sign-up page pre-fills; ValidationError (French) when the link is
    unknown, replaced, cancelled, expired or already used."""
    invitation = _live_invitation(session, token, _now(now))
    school = session.get(School, invitation.school_id)
    assert school is not None  # foreign key
    klass = session.get(SchoolClass, invitation.class_id) if invitation.class_id else None
    return InvitationPreview(
        school_name=school.name,
        uai=school.uai,
        email=invitation.email,
        function=invitation.function,
        function_label=FUNCTION_LABEL.get(invitation.function, invitation.function),
        class_name=klass.name if klass else "",
        commune=school.commune_name,
        inviter_name=_names(session, [invitation.invited_by_id]).get(invitation.invited_by_id, ""),
        expires_at=invitation.expires_at,
    )


def _place_teacher_in_class(
    session: Session, user_id: int, function: str, klass: SchoolClass | None
) -> str:
    """Give a newly granted teacher the class they were invited for or named: main teacher of a
    class that has none (professeur principal), else a follower. Returns "main", "follow" or ""."""
    if klass is None or function not in TEACHER_FUNCTIONS:
        return ""
    if function == StaffFunction.PROFESSEUR_PRINCIPAL.value and klass.main_teacher_id in (
        None,
        user_id,
    ):
        klass.main_teacher_id = user_id
        return "main"
    exists = session.exec(
        select(ClassFollow.id).where(
            ClassFollow.user_id == user_id, ClassFollow.class_id == klass.id
        )
    ).first()
    if exists is None:
        session.add(ClassFollow(user_id=user_id, class_id=stored_id(klass)))
    return "follow"


def signup_from_invitation(
    session: Session,
    token: str | None,
    *,
    first_name: str,
    last_name: str,
    password: str,
    now: dt.datetime | None = None,
) -> User:
    """Create the invited person's account (e-mail confirmed by the link itself) with rights
    granted by the inviter. The link works once."""
    now = _now(now)
    with unit_of_work(session, conflict=USED_INVITATION):
        invitation = _live_invitation(session, token, now)
        function = invitation.function
        user = create_user(
            session,
            email=invitation.email,
            password=password,
            role=_role_for(function),
            first_name=first_name,
            last_name=last_name,
        )
        # Conditional update: two submissions at the same instant use the link once.
        used = session.exec(
            update(Invitation)
            .where(
                col(Invitation.id) == invitation.id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.cancelled_at).is_(None),
            )
            .values(accepted_at=now, accepted_user_id=user.id)
        )
        if used.rowcount != 1:
            raise ValidationError(USED_INVITATION)
        session.add(
            StaffMembership(
                user_id=stored_id(user),
                school_id=invitation.school_id,
                function=function,
                status=RightsStatus.GRANTED.value,
                created_at=now,
                granted_by_id=invitation.invited_by_id,
                granted_at=now,
            )
        )
        klass = session.get(SchoolClass, invitation.class_id) if invitation.class_id else None
        placed = _place_teacher_in_class(session, stored_id(user), function, klass)
        name = f"{user.first_name} {user.last_name}"
        body = f"{name} a créé son compte ({_function_label(function)})."
        if placed == "follow" and function == StaffFunction.PROFESSEUR_PRINCIPAL.value:
            assert klass is not None  # placed in a class
            body += (
                f" La classe {klass.name} avait déjà un professeur principal : {name} la suit "
                "(mêmes droits). Désignez le professeur principal depuis la page des classes."
            )
        _notify(
            session,
            invitation.invited_by_id,
            "staff_joined",
            f"{name} a accepté votre invitation",
            body,
            routes.SCHOOL_HOME,
        )
    session.refresh(user)
    return user


# ---------------------------------------------------------------------------------------------
# The principal's staff page
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class StaffRow:
    membership_id: int
    user_id: int
    name: str  # "Marie Curie"
    first_name: str
    last_name: str
    email: str
    function: str
    function_label: str
    status: str  # pending | granted | revoked
    status_label: str
    created_at: dt.datetime
    granted_at: dt.datetime | None
    revoked_at: dt.datetime | None
    main_of: list[str]  # classes whose professeur principal they are
    follows: list[str]  # classes they follow
    requested_class: str  # class named at sign-up, applied when granted ("" if none)
    can_manage: bool  # False on the principal's own row


_STATUS_ORDER = {
    RightsStatus.PENDING.value: 0,
    RightsStatus.GRANTED.value: 1,
    RightsStatus.REVOKED.value: 2,
}


def list_staff(session: Session, viewer: Viewer | None) -> list[StaffRow]:
    """Every staff member of the principal's school: waiting first, then granted, then revoked,
    by name (principal only)."""
    school = viewer_school(session, viewer, "staff.manage")
    assert viewer is not None  # viewer_school raised NotAuthenticated otherwise
    rows = session.exec(
        select(StaffMembership, User)
        .join(User, col(User.id) == StaffMembership.user_id)
        .where(StaffMembership.school_id == school.id)
    ).all()
    classes = session.exec(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    class_name = {c.id: c.name for c in classes}
    main_of: dict[int, list[str]] = {}
    for c in classes:
        if c.main_teacher_id:
            main_of.setdefault(c.main_teacher_id, []).append(c.name)
    follows: dict[int, list[str]] = {}
    if class_name:
        for uid, cid in session.exec(
            select(ClassFollow.user_id, ClassFollow.class_id).where(
                col(ClassFollow.class_id).in_(list(class_name))
            )
        ).all():
            follows.setdefault(uid, []).append(class_name[cid])
    result: list[StaffRow] = []
    for m, u in rows:
        assert m.id is not None and u.id is not None  # stored rows
        result.append(
            StaffRow(
                membership_id=m.id,
                user_id=u.id,
                name=f"{u.first_name} {u.last_name}",
                first_name=u.first_name,
                last_name=u.last_name,
                email=u.email,
                function=m.function,
                function_label=FUNCTION_LABEL.get(m.function, m.function),
                status=m.status,
                status_label=STATUS_LABEL.get(m.status, m.status),
                created_at=m.created_at,
                granted_at=m.granted_at,
                revoked_at=m.revoked_at,
                main_of=sorted(main_of.get(u.id, []), key=search_key),
                follows=sorted(follows.get(u.id, []), key=search_key),
                requested_class=class_name.get(m.requested_class_id, "")
                if m.requested_class_id
                else "",
                can_manage=m.function != StaffFunction.PRINCIPAL.value and u.id != viewer.user_id,
            )
        )
    result.sort(
        key=lambda r: (
            _STATUS_ORDER.get(r.status, 3),
            search_key(r.last_name),
            search_key(r.first_name),
            r.membership_id,
        )
    )
    return result


def _member_and_user(
    session: Session, viewer: Viewer | None, membership_id: object
) -> tuple[StaffMembership, User]:
    membership = require(session, viewer, "staff.member.manage", _require_id(membership_id))
    user = session.get(User, membership.user_id)
    assert user is not None  # foreign key
    return membership, user


def _release_main_classes(session: Session, membership: StaffMembership, new_function: str) -> None:
    """A person who stops being professeur principal no longer leads their classes; a professeur
    keeps them as followed classes."""
    led = session.exec(
        select(SchoolClass).where(
            SchoolClass.school_id == membership.school_id,
            SchoolClass.main_teacher_id == membership.user_id,
        )
    ).all()
    for klass in led:
        klass.main_teacher_id = None
        if new_function == StaffFunction.PROFESSEUR.value:
            _place_teacher_in_class(session, membership.user_id, new_function, klass)


def _apply_function(
    session: Session, membership: StaffMembership, user: User, function: str
) -> None:
    if (
        membership.function == StaffFunction.PROFESSEUR_PRINCIPAL.value
        and function != membership.function
    ):
        _release_main_classes(session, membership, function)
    membership.function = function
    user.role = _role_for(function)


def grant(
    session: Session,
    viewer: Viewer | None,
    membership_id: int,
    function: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    """Grant (or grant again after a revocation) a staff member's rights, optionally with another
    function (principal of their school). The class a pending teacher named is applied. Returns a
    French confirmation sentence. Granting someone already granted changes nothing."""
    now = _now(now)
    with unit_of_work(session):
        membership, user = _member_and_user(session, viewer, membership_id)
        assert viewer is not None  # _member_and_user raised NotAuthenticated otherwise
        function_value = (
            membership.function if function is None or function == "" else _clean_function(function)
        )
        name = f"{user.first_name} {user.last_name}"
        if membership.status == RightsStatus.GRANTED.value:
            if function_value == membership.function:
                return f"{name} a déjà ses droits ({_function_label(function_value)})."
            _apply_function(session, membership, user, function_value)  # a change of function
            return f"{name} est maintenant : {_function_label(function_value)}."
        _apply_function(session, membership, user, function_value)
        membership.status = RightsStatus.GRANTED.value
        membership.granted_by_id = viewer.user_id
        membership.granted_at = now
        membership.revoked_by_id = None
        membership.revoked_at = None
        message = f"Droits accordés à {name} ({_function_label(function_value)})."
        if membership.requested_class_id:
            klass = session.get(SchoolClass, membership.requested_class_id)
            if klass is not None and klass.school_id == membership.school_id:
                placed = _place_teacher_in_class(session, stored_id(user), function_value, klass)
                if placed == "main":
                    message += f" {name} est professeur principal de la classe {klass.name}."
                elif placed == "follow":
                    message += f" {name} suit la classe {klass.name}."
                    if function_value == StaffFunction.PROFESSEUR_PRINCIPAL.value:
                        message += (
                            " Cette classe avait déjà un professeur principal : changez-le "
                            "depuis la page des classes si besoin."
                        )
            membership.requested_class_id = None
        school = session.get(School, membership.school_id)
        assert school is not None  # foreign key
        queue_mail(
            session,
            to=user.email,
            subject="Stages 3e : vos droits sont ouverts",
            body=(
                f"Bonjour {name},\n\n"
                f"{viewer.display_name}, chef d'établissement du {school.name}, vient d'ouvrir vos "
                f"droits sur Stages 3e ({_function_label(function_value)}).\n\n"
                f"Connectez-vous : {_base_url()}{routes.LOGIN}\n\n"
                "L'équipe Stages 3e\n"
            ),
            kind="staff_granted",
            dedupe_key=f"staff_granted:{membership.id}:{int(now.timestamp())}",
        )
        _notify(
            session,
            stored_id(user),
            "staff_granted",
            "Vos droits sont ouverts",
            f"Le chef d'établissement du {school.name} a ouvert vos droits.",
            routes.SCHOOL_HOME,
        )
    return message


def change_function(
    session: Session, viewer: Viewer | None, membership_id: int, function: str
) -> str:
    """Change a staff member's function (principal of their school; never to principal)."""
    with unit_of_work(session):
        membership, user = _member_and_user(session, viewer, membership_id)
        function_value = _clean_function(function)
        name = f"{user.first_name} {user.last_name}"
        if function_value == membership.function:
            return f"{name} est déjà {_function_label(function_value).lower()}."
        _apply_function(session, membership, user, function_value)
    return f"{name} est maintenant : {_function_label(function_value)}."


def revoke(
    session: Session, viewer: Viewer | None, membership_id: int, *, now: dt.datetime | None = None
) -> str:
    """Withdraw a staff member's rights (principal of their school; never a principal). They lose
    access at their next action. Revoking someone already revoked changes nothing."""
    now = _now(now)
    with unit_of_work(session):
        membership, user = _member_and_user(session, viewer, membership_id)
        assert viewer is not None  # _member_and_user raised NotAuthenticated otherwise
        name = f"{user.first_name} {user.last_name}"
        if membership.status == RightsStatus.REVOKED.value:
            return f"Les droits de {name} sont déjà retirés."
        membership.status = RightsStatus.REVOKED.value
        membership.revoked_by_id = viewer.user_id
        membership.revoked_at = now
        school = session.get(School, membership.school_id)
        assert school is not None  # foreign key
        queue_mail(
            session,
            to=user.email,
            subject="Stages 3e : vos droits ont été retirés",
            body=(
                f"Bonjour {name},\n\n"
                f"Le chef d'établissement du {school.name} a retiré vos droits sur Stages 3e : "
                "vous n'avez plus accès aux données du collège. Si vous pensez qu'il s'agit d'une "
                "erreur, adressez-vous à lui.\n\n"
                "L'équipe Stages 3e\n"
            ),
            kind="staff_revoked",
            dedupe_key=f"staff_revoked:{membership.id}:{int(now.timestamp())}",
        )
    return f"Les droits de {name} sont retirés."


@dataclasses.dataclass(frozen=True)
class TeacherChoice:
    user_id: int
    name: str
    function_label: str


def teacher_choices(session: Session, viewer: Viewer | None) -> list[TeacherChoice]:
    """Granted teachers of the principal's school: the choices for ``set_main_teacher``."""
    school = viewer_school(session, viewer, "staff.manage")
    rows = session.exec(
        select(User, StaffMembership.function)
        .join(StaffMembership, col(StaffMembership.user_id) == User.id)
        .where(
            StaffMembership.school_id == school.id,
            StaffMembership.status == RightsStatus.GRANTED.value,
            col(StaffMembership.function).in_(list(TEACHER_FUNCTIONS)),
        )
    ).all()
    rows = sorted(rows, key=lambda r: (search_key(r[0].last_name), search_key(r[0].first_name)))
    return [
        TeacherChoice(stored_id(u), f"{u.first_name} {u.last_name}", FUNCTION_LABEL[f])
        for u, f in rows
    ]


def set_main_teacher(
    session: Session, viewer: Viewer | None, class_id: int, user_id: int | None
) -> str:
    """Make a granted teacher of the school the class's professeur principal (principal only);
    ``user_id=None`` leaves the class without one. A professeur becomes professeur principal;
    the previous professeur principal keeps following the class."""
    klass = _class_or_404(session, class_id)
    with unit_of_work(session):
        require(session, viewer, "staff.manage", klass.school_id)
        previous = klass.main_teacher_id
        if user_id is None:
            klass.main_teacher_id = None
            if previous:
                _place_teacher_in_class(session, previous, StaffFunction.PROFESSEUR.value, klass)
            return f"La classe {klass.name} n'a plus de professeur principal."
        membership = session.exec(
            select(StaffMembership).where(StaffMembership.user_id == _require_id(user_id))
        ).first()
        if (
            membership is None
            or membership.school_id != klass.school_id
            or membership.status != RightsStatus.GRANTED.value
            or membership.function not in TEACHER_FUNCTIONS
        ):
            raise ValidationError(
                "Choisissez un professeur du collège dont les droits sont accordés.",
                field="user_id",
            )
        user = session.get(User, membership.user_id)
        assert user is not None  # foreign key
        if previous == user.id:
            return (
                f"{user.first_name} {user.last_name} est déjà professeur principal de la "
                f"classe {klass.name}."
            )
        if membership.function == StaffFunction.PROFESSEUR.value:
            membership.function = StaffFunction.PROFESSEUR_PRINCIPAL.value
        klass.main_teacher_id = user.id
        session.execute(
            delete(ClassFollow).where(
                col(ClassFollow.user_id) == user.id, col(ClassFollow.class_id) == klass.id
            )
        )
        if previous:
            _place_teacher_in_class(session, previous, StaffFunction.PROFESSEUR.value, klass)
    return f"{user.first_name} {user.last_name} est professeur principal de la classe {klass.name}."


# ---------------------------------------------------------------------------------------------
# Teachers and their classes
# ---------------------------------------------------------------------------------------------


def follow_class(session: Session, viewer: Viewer | None, class_id: int) -> None:
    """A granted teacher follows a class of their school (idempotent)."""
    klass = _class_or_404(session, class_id)
    require(session, viewer, "class.follow", klass)
    assert viewer is not None  # require raised NotAuthenticated otherwise
    if klass.main_teacher_id == viewer.user_id:
        return
    exists = session.exec(
        select(ClassFollow.id).where(
            ClassFollow.user_id == viewer.user_id, ClassFollow.class_id == klass.id
        )
    ).first()
    if exists is not None:
        return
    session.add(ClassFollow(user_id=viewer.user_id, class_id=stored_id(klass)))
    try:
        session.commit()
    except IntegrityError:  # the same click twice at the same instant: already followed
        session.rollback()


def unfollow_class(session: Session, viewer: Viewer | None, class_id: int) -> None:
    """Stop following a class (idempotent). A professeur principal's own class is not a follow:
    the principal changes it."""
    klass = _class_or_404(session, class_id)
    with unit_of_work(session):
        require(session, viewer, "class.follow", klass)
        assert viewer is not None  # require raised NotAuthenticated otherwise
        session.execute(
            delete(ClassFollow).where(
                col(ClassFollow.user_id) == viewer.user_id, col(ClassFollow.class_id) == klass.id
            )
        )


@dataclasses.dataclass
class MyClassRow:
    class_id: int
    name: str
    is_main: bool  # the viewer is its professeur principal
    followed: bool
    main_teacher_name: str
    pupils: int
    waiting: int  # no parental authorisation recorded yet
    authorised: int  # authorisation recorded, access not opened
    opened: int  # access opened
    access_open: bool  # the class itself is open to the platform
    join_code: str  # "" when the viewer may not manage the class's pupils
    can_manage: bool


def my_classes(session: Session, viewer: Viewer | None) -> list[MyClassRow]:
    """The classes the viewer sees: a teacher's own and followed classes; every class for the
    principal and other staff. PermissionDenied for pending/revoked staff."""
    school = viewer_school(session, viewer, "school.view")
    membership = membership_of(session, viewer)
    # viewer_school found both (memberships are never deleted)
    assert viewer is not None and membership is not None
    teacher = membership.function in TEACHER_FUNCTIONS
    classes = session.exec(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    followed = set(
        session.exec(
            select(ClassFollow.class_id).where(ClassFollow.user_id == viewer.user_id)
        ).all()
    )
    if teacher:
        classes = [c for c in classes if c.main_teacher_id == viewer.user_id or c.id in followed]
    may_manage = membership.function == StaffFunction.PRINCIPAL.value or teacher
    counts: dict[int, list[int]] = {}
    for cid, received, opened in session.exec(
        select(
            PupilProfile.class_id,
            col(PupilProfile.authorisation_received_on),
            col(PupilProfile.access_opened_at),
        ).where(PupilProfile.school_id == school.id)
    ).all():
        c = counts.setdefault(cid, [0, 0, 0, 0])
        c[0] += 1
        if received is None:
            c[1] += 1
        elif opened is None:
            c[2] += 1
        else:
            c[3] += 1
    names = _names(session, {c.main_teacher_id for c in classes})
    rows: list[MyClassRow] = []
    for klass in classes:
        assert klass.id is not None  # a stored row
        rows.append(
            MyClassRow(
                class_id=klass.id,
                name=klass.name,
                is_main=klass.main_teacher_id == viewer.user_id,
                followed=klass.id in followed,
                main_teacher_name=names.get(klass.main_teacher_id, ""),
                pupils=counts.get(klass.id, [0, 0, 0, 0])[0],
                waiting=counts.get(klass.id, [0, 0, 0, 0])[1],
                authorised=counts.get(klass.id, [0, 0, 0, 0])[2],
                opened=counts.get(klass.id, [0, 0, 0, 0])[3],
                access_open=klass.access_open,
                join_code=klass.join_code if may_manage else "",
                can_manage=may_manage,
            )
        )
    rows.sort(key=lambda r: (not r.is_main, search_key(r.name), r.class_id))
    return rows


@dataclasses.dataclass(frozen=True)
class FollowChoice:
    class_id: int
    name: str
    main_teacher_name: str
    followed: bool
    is_main: bool


def followable_classes(session: Session, viewer: Viewer | None) -> list[FollowChoice]:
    """Every class of a granted teacher's school, to choose the ones they follow."""
    school = viewer_school(session, viewer, "school.view")
    membership = membership_of(session, viewer)
    # viewer_school found both (memberships are never deleted)
    assert viewer is not None and membership is not None
    if membership.function not in TEACHER_FUNCTIONS:
        raise PermissionDenied("Seuls les professeurs choisissent les classes qu'ils suivent.")
    classes = session.exec(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    followed = set(
        session.exec(
            select(ClassFollow.class_id).where(ClassFollow.user_id == viewer.user_id)
        ).all()
    )
    names = _names(session, {c.main_teacher_id for c in classes})
    return sorted(
        (
            FollowChoice(
                stored_id(c),
                c.name,
                names.get(c.main_teacher_id, ""),
                c.id in followed,
                c.main_teacher_id == viewer.user_id,
            )
            for c in classes
        ),
        key=lambda r: (search_key(r.name), r.class_id),
    )


@dataclasses.dataclass(frozen=True)
class ClassChoice:
    id: int
    name: str


def class_choices(session: Session, school_uai: str | None) -> list[ClassChoice]:
    """The classes of a collège by UAI, for the staff sign-up form (public: class names only)."""
    uai = (school_uai or "").strip().upper()
    school = session.exec(select(School).where(School.uai == uai)).first() if uai else None
    if school is None:
        return []
    classes = session.exec(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    return sorted(
        (ClassChoice(stored_id(c), c.name) for c in classes),
        key=lambda c: (search_key(c.name), c.id),
    )


def request_class(session: Session, viewer: Viewer | None, class_id: int | None) -> None:
    """A teacher waiting for their rights names the class they teach (professeur principal: their
    class; professeur: a class to follow). Applied when the principal grants them; ``None``
    withdraws the request."""
    if viewer is None:
        raise NotAuthenticated()
    membership = membership_of(session, viewer)
    if class_id is None:
        if membership is None or membership.function not in TEACHER_FUNCTIONS:
            raise PermissionDenied()
        with unit_of_work(session):
            membership.requested_class_id = None
        return
    klass = _class_or_404(session, class_id)
    if (
        membership is not None
        and membership.status == RightsStatus.GRANTED.value
        and membership.function in TEACHER_FUNCTIONS
        and membership.school_id == klass.school_id
    ):
        raise PermissionDenied(
            "Vos droits sont déjà accordés : suivez cette classe depuis « Mes classes », ou "
            "demandez au chef d'établissement de vous en nommer professeur principal."
        )
    with unit_of_work(session):
        require(session, viewer, "class.request", klass)
        membership = membership_of(session, viewer)
        assert membership is not None  # require found it (memberships are never deleted)
        membership.requested_class_id = klass.id


def announce_pending_signup(session: Session, user_id: int) -> str | None:
    """Tell the principal that a member of staff signed up without invitation and waits for
    rights (mail + in-app notification, once per membership). Call it right after
    ``signup.signup_staff`` (and ``request_class``). Returns the principal's name, or None when
    the collège has no principal yet (the UI then says whom to contact) or nothing is pending."""
    membership = session.exec(
        select(StaffMembership).where(StaffMembership.user_id == _require_id(user_id))
    ).first()
    if membership is None or membership.status != RightsStatus.PENDING.value:
        return None
    principal = _principal_of_school(session, membership.school_id)
    if principal is None:
        return None
    user = session.get(User, membership.user_id)
    school = session.get(School, membership.school_id)
    assert user is not None and school is not None  # foreign keys
    klass = (
        session.get(SchoolClass, membership.requested_class_id)
        if membership.requested_class_id
        else None
    )
    name = f"{user.first_name} {user.last_name}"
    what = _function_label(membership.function)
    if klass is not None:
        what += f", classe {klass.name}"
    principal_name = f"{principal.first_name} {principal.last_name}"
    with unit_of_work(session):
        mail = queue_mail(
            session,
            to=principal.email,
            subject=f"Stages 3e : {name} attend ses droits",
            body=(
                f"Bonjour {principal_name},\n\n"
                f"{name} ({user.email}) s'est inscrit(e) sur Stages 3e "
                f"comme membre du personnel du {school.name} ({what}) "
                f"le {_fr_datetime(membership.created_at)}.\n\n"
                "Si cette personne fait bien partie de votre équipe, "
                "accordez-lui ses droits depuis la page des personnels : "
                f"{_base_url()}{routes.SCHOOL_HOME}\n"
                "Sinon, retirez-lui l'accès depuis la même page.\n\n"
                "L'équipe Stages 3e\n"
            ),
            kind="staff_pending",
            dedupe_key=f"staff_pending:{membership.id}",
        )
        if mail.id is None:  # first announcement: notify in the app too
            _notify(
                session,
                stored_id(principal),
                "staff_pending",
                f"{name} attend ses droits",
                f"{what}. Accordez ou refusez l'accès depuis la page des personnels.",
                routes.SCHOOL_HOME,
            )
    return principal_name
