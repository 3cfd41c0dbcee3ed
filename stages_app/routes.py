"""Route constants, URL builders and which roles may open which page (no reflex import)."""

from __future__ import annotations

from urllib.parse import quote

from stages_app.models.enums import Role

HOME = "/"
LOGIN = "/connexion"
SIGNUP = "/inscription"
SIGNUP_STUDENT = "/inscription/eleve"
SIGNUP_EMPLOYER = "/inscription/employeur"
SIGNUP_STAFF = "/inscription/personnel"
SIGNUP_PRINCIPAL = "/inscription/chef-etablissement"
CONFIRM_EMAIL = "/confirmer-email"
SIGNUP_INVITATION = "/inscription/invitation"
FORBIDDEN = "/acces-refuse"
NOTIFICATIONS = "/notifications"
ACCESSIBILITY = "/accessibilite"
LEGAL = "/mentions-legales"

STUDENT_HOME = "/eleve"
STUDENT_SEARCH = "/eleve/offres"
STUDENT_OFFER = "/eleve/offre"  # ?id=<offer id>
STUDENT_CV = "/eleve/cv"
STUDENT_TRACKER = "/eleve/candidatures"
STUDENT_APPLICATION = "/eleve/candidature"  # ?id=<application id>: letter, review, sending
SCHOOL_HOME = "/etablissement"
SCHOOL_SETTINGS = "/etablissement/parametres"
SCHOOL_STAFF = "/etablissement/personnels"
SCHOOL_CLASS = "/etablissement/classe"  # ?id=<class id>
SCHOOL_DASHBOARD = "/etablissement/suivi"  # principal and granted staff (school.dashboard)
SCHOOL_PUPIL = "/etablissement/eleve"  # ?id=<pupil user id>: read-only file (CV, applications)
SCHOOL_PUPIL_SEARCH = "/etablissement/recherche"  # ?eleve=<pupil user id>
SCHOOL_PUPIL_OFFER = "/etablissement/recherche/offre"  # ?eleve=<pupil user id>&id=<offer id>
EMPLOYER_HOME = "/employeur"
EMPLOYER_OFFER = "/employeur/offre"  # ?id=<offer id>; without id: a new offer
EMPLOYER_INBOX = "/employeur/candidatures"
EMPLOYER_APPLICATION = "/employeur/candidature"  # ?id=<application id>
ADMIN_HOME = "/admin"
ADMIN_MAILBOX = "/admin/courriels"

SCHOOL_ROLES = frozenset({Role.PRINCIPAL.value, Role.TEACHER.value, Role.STAFF.value})

ROLE_HOME: dict[str, str] = {
    Role.STUDENT.value: STUDENT_HOME,
    Role.PRINCIPAL.value: SCHOOL_HOME,
    Role.TEACHER.value: SCHOOL_HOME,
    Role.STAFF.value: SCHOOL_HOME,
    Role.EMPLOYER.value: EMPLOYER_HOME,
    Role.ADMIN.value: ADMIN_HOME,
}

# Protected pages: path prefix -> roles allowed. Anything not listed is public.
PAGE_ROLES: dict[str, frozenset[str]] = {
    STUDENT_HOME: frozenset({Role.STUDENT.value}),
    SCHOOL_HOME: SCHOOL_ROLES,
    SCHOOL_SETTINGS: frozenset({Role.PRINCIPAL.value}),
    SCHOOL_STAFF: frozenset({Role.PRINCIPAL.value}),
    # teachers follow their classes (class pages); the whole-school tracking is for the
    # principal and granted staff (the service re-checks ``school.dashboard``)
    SCHOOL_DASHBOARD: frozenset({Role.PRINCIPAL.value, Role.STAFF.value}),
    SCHOOL_PUPIL: SCHOOL_ROLES,
    EMPLOYER_HOME: frozenset({Role.EMPLOYER.value}),
    ADMIN_HOME: frozenset({Role.ADMIN.value}),
    NOTIFICATIONS: frozenset(r.value for r in Role),
}


def home_for(role: str) -> str:
    return ROLE_HOME.get(role, HOME)


def roles_for(path: str) -> frozenset[str] | None:
    """Roles allowed on ``path`` (longest matching prefix), or None for a public page."""
    path = "/" + path.strip("/") if path else "/"
    best: str | None = None
    for prefix in PAGE_ROLES:
        matches = path == prefix or path.startswith(prefix + "/")
        if matches and (best is None or len(prefix) > len(best)):
            best = prefix
    return PAGE_ROLES[best] if best else None


def login_url(next_path: str | None = None) -> str:
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return f"{LOGIN}?suite={quote(next_path, safe='/')}"
    return LOGIN


def safe_next(next_path: str | None, role: str) -> str:
    """Where to go after login: the requested page if this role may open it, else the role's
    home."""
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        allowed = roles_for(next_path)
        if allowed is not None and role in allowed:
            return next_path
    return home_for(role)


def class_url(class_id: int) -> str:
    return f"{SCHOOL_CLASS}?id={class_id}"


def pupil_url(pupil_user_id: int) -> str:
    return f"{SCHOOL_PUPIL}?id={pupil_user_id}"
