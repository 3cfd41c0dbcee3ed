"""Sign-up journeys: employer, pupil, school staff, principal; e-mail confirmation.

Each public function is one unit of work: it validates everything, writes, commits and returns the
new (committed) user. Any error rolls the whole sign-up back, so nothing is ever half-saved. A
double submission meets the unique e-mail: Conflict "Un compte existe déjà avec cette adresse
e-mail.", never a second row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from collections.abc import Iterator

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from stages_app import routes, settings
from stages_app.models import (
    EmailToken,
    Organisation,
    OrganisationKind,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    StaffFunction,
    StaffMembership,
    User,
    UserStatus,
    stored_id,
    utcnow,
)
from stages_app.services.accounts import (
    DUPLICATE_EMAIL,
    _now,
    create_user,
    hash_token,
    is_duplicate_email_error,
    normalize_email,
)
from stages_app.services.errors import Conflict, DomainError, ValidationError
from stages_app.services.mail import queue_mail
from stages_app.services.notifications import notify
from stages_app.services.text import clean_line

__all__ = [
    "CONFIRM_EMAIL_PATH",
    "CONFIRM_EMAIL_TTL_HOURS",
    "confirm_email",
    "normalize_phone",
    "normalize_siret",
    "signup_employer",
    "signup_principal",
    "signup_staff",
    "signup_student",
]

CONFIRM_EMAIL_PATH = routes.CONFIRM_EMAIL  # "/confirmer-email"
CONFIRM_EMAIL_PURPOSE = "confirm_email"
CONFIRM_EMAIL_TTL_HOURS = 48

BAD_CLASS_CODE = (
    "Ce code de classe n'existe pas ou n'est pas ouvert. "
    "Vérifiez-le auprès de votre professeur principal."
)
BAD_CONFIRM_LINK = (
    "Ce lien de confirmation n'est plus valide : il a déjà servi ou a expiré (48 heures). "
    "Essayez de vous connecter ; si votre compte n'est pas activé, contactez l'équipe de la "
    "plateforme."
)
TEACHER_FUNCTIONS = (StaffFunction.PROFESSEUR_PRINCIPAL.value, StaffFunction.PROFESSEUR.value)


# ---------------------------------------------------------------------------------------------
# Unit of work
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _unit_of_work(session: Session) -> Iterator[None]:
    """Commit at the end; on any error roll everything back. A unique-constraint race becomes a
    French Conflict."""
    try:
        yield
        session.commit()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError as exc:
        session.rollback()
        if is_duplicate_email_error(exc):
            raise Conflict(DUPLICATE_EMAIL, field="email") from exc
        raise Conflict(
            "Votre inscription n'a pas pu être enregistrée car les données ont changé "
            "entre-temps. Merci de réessayer."
        ) from exc
    except BaseException:
        session.rollback()
        raise


# ---------------------------------------------------------------------------------------------
# Input cleaning specific to sign-up
# ---------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_LA_POSTE_SIREN = "356000000"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalize_siret(raw: str | None) -> str | None:
    """'443 061 841 00047' -> '44306184100047'; empty -> None. Checks the Luhn key; La Poste
    establishments (SIREN 356000000) use the sum-of-digits-multiple-of-5 rule instead (its head
    office, 35600000000048, passes Luhn, so either rule is accepted there)."""
    value = _SPACES.sub("", raw or "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) == 14):
        raise ValidationError(
            "Le numéro SIRET doit comporter 14 chiffres (les espaces sont acceptés).",
            field="siret",
        )
    valid = _luhn_ok(value)
    if value.startswith(_LA_POSTE_SIREN):
        valid = valid or sum(int(c) for c in value) % 5 == 0
    if not valid:
        raise ValidationError(
            "Ce numéro SIRET n'est pas valide : un chiffre est sans doute mal recopié. "
            "Vérifiez-le sur l'avis de situation INSEE ou sur annuaire-entreprises.data.gouv.fr.",
            field="siret",
        )
    return value


_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]+")
# International prefixes whose national form is "0" + 9 digits: metropolitan France and the DROM.
_FRENCH_COUNTRY_CODES = ("33", "262", "269", "590", "594", "596")


def normalize_phone(raw: str | None) -> str:
    """French phone number -> '01 23 45 67 89'; empty -> ''. Accepts 10 digits starting with 0,
    or +33 / 0033 (and the overseas +262, +269, +590, +594, +596) followed by 9 digits."""
    value = _PHONE_SEPARATORS.sub("", raw or "")
    if not value:
        return ""
    error = ValidationError(
        "Le numéro de téléphone doit comporter 10 chiffres (ex. : 01 23 45 67 89) "
        "ou commencer par +33.",
        field="phone",
    )
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+"):
        rest = value[1:]
        for code in _FRENCH_COUNTRY_CODES:
            if rest.startswith(code):
                number = rest[len(code) :]
                if len(number) == 10 and number.startswith("0"):  # "+33 (0)6 ..."
                    number = number[1:]
                value = "0" + number
                break
        else:
            raise error
    if not re.fullmatch(r"0[1-9][0-9]{8}", value):
        raise error
    return " ".join(value[i : i + 2] for i in range(0, 10, 2))


def _clean_organisation_name(raw: str | None) -> str:
    value = clean_line(raw)
    if len(value) < 2:
        raise ValidationError(
            "Indiquez le nom de votre structure (2 caractères au moins).", field="organisation_name"
        )
    if len(value) > 150:
        raise ValidationError(
            "Le nom de la structure est trop long (150 caractères au plus).",
            field="organisation_name",
        )
    if "<" in value or ">" in value:
        raise ValidationError(
            "Le nom de la structure ne peut pas contenir les caractères < et >.",
            field="organisation_name",
        )
    return value


def _organisation_kind(kind: OrganisationKind | str | None) -> str:
    try:
        return OrganisationKind(kind or "").value  # None: no choice, refused like ""
    except ValueError:
        raise ValidationError(
            "Choisissez le type de structure : entreprise, administration ou association.",
            field="kind",
        ) from None


def _school_by_uai(session: Session, raw: str | None) -> School:
    uai = clean_line(raw).upper()
    school: School | None = None
    if re.fullmatch(r"[0-9]{7}[A-Z]", uai):
        school = session.execute(select(School).where(col(School.uai) == uai)).scalar_one_or_none()
    if school is None:
        raise ValidationError(
            "Ce collège est introuvable dans l'annuaire. "
            "Choisissez votre ville puis votre collège dans la liste.",
            field="school_uai",
        )
    return school


def _academy_domain(school: School) -> str:
    domain = (school.academy_domain or "").strip().lower().lstrip("@")
    if not domain:
        raise ValidationError(
            "L'adresse e-mail académique de ce collège n'est pas connue de la plateforme : "
            "l'inscription des personnels n'est pas encore possible. "
            "Contactez l'équipe de la plateforme.",
            field="school_uai",
        )
    return domain


def _staff_function(function: StaffFunction | str | None) -> str:
    try:
        value = StaffFunction(function or "").value  # None: no choice, refused like ""
    except ValueError:
        raise ValidationError(
            "Choisissez votre fonction dans la liste.", field="function"
        ) from None
    if value == StaffFunction.PRINCIPAL.value:
        raise ValidationError(
            "Le chef d'établissement s'inscrit avec le formulaire « Chef d'établissement », "
            "avec l'adresse e-mail fonctionnelle du collège.",
            field="function",
        )
    return value


# ---------------------------------------------------------------------------------------------
# Sign-ups
# ---------------------------------------------------------------------------------------------


def signup_employer(
    session: Session,
    *,
    organisation_name: str,
    kind: OrganisationKind | str,
    siret: str | None,
    first_name: str,
    last_name: str,
    phone: str | None,
    email: str,
    password: str,
) -> User:
    """An employer account and the organisation it owns."""
    with _unit_of_work(session):
        name = _clean_organisation_name(organisation_name)
        kind_value = _organisation_kind(kind)
        siret_value = normalize_siret(siret)
        phone_value = normalize_phone(phone)
        user = create_user(
            session,
            email=email,
            password=password,
            role=Role.EMPLOYER,
            first_name=first_name,
            last_name=last_name,
        )
        session.add(
            Organisation(
                owner_id=stored_id(user),
                name=name,
                kind=kind_value,
                siret=siret_value,
                phone=phone_value,
            )
        )
    session.refresh(user)
    return user


def signup_student(
    session: Session,
    *,
    class_code: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
) -> User:
    """A pupil joins their class with its code. No platform access yet (R1: parental
    authorisation and opening by a staff member come later)."""
    with _unit_of_work(session):
        code = _SPACES.sub("", clean_line(class_code)).upper()
        school_class: SchoolClass | None = None
        if code and len(code) <= 40:
            school_class = session.execute(
                select(SchoolClass).where(func.upper(SchoolClass.join_code) == code)
            ).scalar_one_or_none()
        if school_class is None or not school_class.access_open:
            raise ValidationError(BAD_CLASS_CODE, field="class_code")
        user = create_user(
            session,
            email=email,
            password=password,
            role=Role.STUDENT,
            first_name=first_name,
            last_name=last_name,
        )
        session.add(
            PupilProfile(
                user_id=stored_id(user),
                school_id=school_class.school_id,
                class_id=stored_id(school_class),
            )
        )
        _announce_pupil_waiting(session, user, school_class)
    session.refresh(user)
    return user


def _announce_pupil_waiting(session: Session, pupil: User, school_class: SchoolClass) -> None:
    """Tell the class's professeur principal (rights granted, account active) that a pupil
    joined and waits for the parental authorisation (mail + in-app, once per pupil). In the
    caller's transaction; nothing when the class has no professeur principal yet."""
    if school_class.main_teacher_id is None:
        return
    teacher: User | None = session.execute(
        select(User)
        .join(StaffMembership, col(StaffMembership.user_id) == User.id)
        .where(
            col(User.id) == school_class.main_teacher_id,
            col(User.status) == UserStatus.ACTIVE.value,
            col(StaffMembership.school_id) == school_class.school_id,
            col(StaffMembership.status) == RightsStatus.GRANTED.value,
        )
    ).scalar_one_or_none()
    if teacher is None:
        return
    name = f"{pupil.first_name} {pupil.last_name}".strip()
    link = routes.class_url(stored_id(school_class))
    base = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    mail = queue_mail(
        session,
        to=teacher.email,
        subject=f"Stages 3e : {name} attend son autorisation parentale",
        body=(
            f"Bonjour {teacher.first_name} {teacher.last_name},\n\n"
            f"{name} vient de s'inscrire sur Stages 3e dans la classe {school_class.name}.\n\n"
            "Son accès restera fermé tant que l'autorisation parentale signée n'est pas "
            "enregistrée et que vous n'avez pas ouvert son accès. Imprimez le formulaire "
            f"d'autorisation depuis la page de la classe : {base}{link}\n\n"
            "L'équipe Stages 3e\n"
        ),
        kind="pupil_waiting",
        dedupe_key=f"pupil_waiting:{pupil.id}",
    )
    if mail.id is None:  # first announcement: the bell too
        notify(
            session,
            stored_id(teacher),
            "pupil_waiting",
            f"{name} attend son autorisation parentale",
            f"Classe {school_class.name} : enregistrez l'autorisation signée puis ouvrez "
            "son accès.",
            link,
        )


def signup_staff(
    session: Session,
    *,
    school_uai: str,
    function: StaffFunction | str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
) -> User:
    """A teacher or staff member of a collège, with an academic address of its académie.
    The membership stays pending until the principal grants it."""
    with _unit_of_work(session):
        school = _school_by_uai(session, school_uai)
        function_value = _staff_function(function)
        domain = _academy_domain(school)
        email_value = normalize_email(email)
        if not email_value.endswith("@" + domain):
            raise ValidationError(
                f"Utilisez votre adresse e-mail académique : elle doit se terminer par @{domain}.",
                field="email",
            )
        role = Role.TEACHER if function_value in TEACHER_FUNCTIONS else Role.STAFF
        user = create_user(
            session,
            email=email_value,
            password=password,
            role=role,
            first_name=first_name,
            last_name=last_name,
        )
        session.add(
            StaffMembership(
                user_id=stored_id(user),
                school_id=stored_id(school),
                function=function_value,
                status=RightsStatus.PENDING.value,
            )
        )
    session.refresh(user)
    return user


def _existing_principal(session: Session, school_id: int) -> User | None:
    principal: User | None = session.execute(
        select(User)
        .join(StaffMembership, col(StaffMembership.user_id) == User.id)
        .where(
            col(StaffMembership.school_id) == school_id,
            col(StaffMembership.function) == StaffFunction.PRINCIPAL.value,
            col(StaffMembership.status) != RightsStatus.REVOKED.value,
        )
        .order_by(col(StaffMembership.id))
        .limit(1)
    ).scalar_one_or_none()
    return principal


def _confirmation_link(token: str) -> str:
    base = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{CONFIRM_EMAIL_PATH}?jeton={token}"


def signup_principal(
    session: Session,
    *,
    school_uai: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
) -> tuple[User, str]:
    """The principal registers the collège with its functional address ce.<uai>@<académie>.

    The account waits for e-mail confirmation (link valid 48 h, sent through the outbox);
    the principal membership is granted at once. Returns (user, raw confirmation token).
    """
    with _unit_of_work(session):
        school = _school_by_uai(session, school_uai)
        domain = _academy_domain(school)
        expected = f"ce.{school.uai.lower()}@{domain}"
        email_value = normalize_email(email)
        if email_value != expected:
            raise ValidationError(
                "Le compte chef d'établissement se crée avec l'adresse e-mail fonctionnelle "
                f"du collège : {expected}.",
                field="email",
            )
        current = _existing_principal(session, stored_id(school))
        if current is not None:
            raise Conflict(
                "Ce collège a déjà un compte chef d'établissement "
                f"(M. ou Mme {current.last_name}). Contactez cette personne ou, si elle a quitté "
                "le collège, l'équipe de la plateforme pour reprendre le compte.",
                field="school_uai",
            )
        now = utcnow()
        user = create_user(
            session,
            email=email_value,
            password=password,
            role=Role.PRINCIPAL,
            first_name=first_name,
            last_name=last_name,
            status=UserStatus.PENDING_EMAIL,
            confirmed=False,
        )
        session.add(
            StaffMembership(
                user_id=stored_id(user),
                school_id=stored_id(school),
                function=StaffFunction.PRINCIPAL.value,
                status=RightsStatus.GRANTED.value,
                granted_at=now,
            )
        )
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        session.add(
            EmailToken(
                token_hash=token_hash,
                user_id=stored_id(user),
                purpose=CONFIRM_EMAIL_PURPOSE,
                created_at=now,
                expires_at=now + dt.timedelta(hours=CONFIRM_EMAIL_TTL_HOURS),
            )
        )
        place = f" ({school.commune_name})" if school.commune_name else ""
        queue_mail(
            session,
            to=email_value,
            subject="Stages 3e : confirmez l'adresse e-mail de votre collège",
            body=(
                f"Bonjour {user.first_name} {user.last_name},\n\n"
                "Vous venez de créer le compte chef d'établissement du collège "
                f"{school.name}{place} sur Stages 3e.\n\n"
                "Pour activer ce compte, ouvrez ce lien dans les "
                f"{CONFIRM_EMAIL_TTL_HOURS} heures :\n"
                f"{_confirmation_link(token)}\n\n"
                "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message : "
                "le compte ne sera pas activé.\n\n"
                "L'équipe Stages 3e\n"
            ),
            kind=CONFIRM_EMAIL_PURPOSE,
            dedupe_key=f"{CONFIRM_EMAIL_PURPOSE}:{token_hash[:32]}",
        )
    session.refresh(user)
    return user, token


def confirm_email(session: Session, token: str, *, now: dt.datetime | None = None) -> User:
    """Follow a confirmation link: the account becomes active (a principal's collège is then
    registered). The token works once, within 48 hours."""
    now = _now(now)
    with _unit_of_work(session):
        if not token or not isinstance(token, str) or len(token) > 200:
            raise ValidationError(BAD_CONFIRM_LINK)
        row: EmailToken | None = session.execute(
            select(EmailToken).where(
                col(EmailToken.token_hash) == hash_token(token),
                col(EmailToken.purpose) == CONFIRM_EMAIL_PURPOSE,
            )
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise ValidationError(BAD_CONFIRM_LINK)
        # Conditional update: two clicks at the same instant use the token only once.
        used = session.exec(
            update(EmailToken)
            .where(col(EmailToken.id) == row.id, col(EmailToken.used_at).is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:
            raise ValidationError(BAD_CONFIRM_LINK)
        user = session.get(User, row.user_id, populate_existing=True)
        if user is None:  # pragma: no cover - foreign key
            raise ValidationError(BAD_CONFIRM_LINK)
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now
        if user.status == UserStatus.PENDING_EMAIL.value:  # a disabled account stays disabled
            user.status = UserStatus.ACTIVE.value
        if user.role == Role.PRINCIPAL.value:
            school: School | None = session.execute(
                select(School)
                .join(StaffMembership, col(StaffMembership.school_id) == School.id)
                .where(
                    col(StaffMembership.user_id) == user.id,
                    col(StaffMembership.function) == StaffFunction.PRINCIPAL.value,
                )
            ).scalar_one_or_none()
            if school is not None and school.registered_at is None:
                school.registered_at = now
    session.refresh(user)
    return user
