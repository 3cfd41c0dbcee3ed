"""Who is asking, and may they? The one access table used by every page guard and every handler.

Entry points
------------
* ``viewer_for_token`` / ``require_viewer``: who is asking (re-derived from the auth token at every
  call; never trust an id sent by the browser).
* ``can(session, viewer, action, target=None) -> bool`` and
  ``require(session, viewer, action, target=None) -> target row``: may they? ``require`` raises
  NotAuthenticated (no viewer), NotFound (the target does not exist) or PermissionDenied, and
  returns the resolved target row (School, SchoolClass, PupilProfile, StaffMembership) so the
  caller does not load it twice.
* ``require_pupils``: all-or-nothing check of a list of pupils (bulk operations).

A target is a model row or its id; what the id means is fixed by the action's scope:
``school`` -> School.id, ``class`` -> SchoolClass.id, ``pupil`` -> the pupil's *user* id (or a
PupilProfile row), ``membership`` -> StaffMembership.id, ``self`` -> no target. Anything else (a
string from the browser, a row of another kind) finds nothing: ``can`` is False, ``require``
raises NotFound. A disabled account counts as no viewer (NotAuthenticated).

Every check re-reads the viewer's account and staff membership from the database, so a revoked or
disabled person loses access at their very next action, even with a page already open.

The table (decisions for issue 3)
---------------------------------
"Member" means a StaffMembership of *that* school whose status is GRANTED. Pending and revoked
members get nothing school-related (one exception: ``class.request``, by which a teacher waiting
for their rights names the class they teach; it reveals nothing and grants nothing until the
principal grants). Another school's staff, pupils, employers, platform administrators and
anonymous visitors get nothing on a school. "Teacher" means the functions professeur principal
and professeur; "other staff" means CPE, professeur documentaliste, psychologue de l'Éducation
nationale and personnel administratif.

=====================  ==========  =================================================================
action                 scope       who
=====================  ==========  =================================================================
school.view            school      any member (name, weeks, list of classes to follow)
school.dashboard       school      principal, other staff (whole-school tracking: every class/pupil)
school.settings        school      principal (classes, class access, weeks, national search)
staff.manage           school      principal (list staff, invite, set a class's main teacher)
staff.member.manage    membership  principal of that membership's school, never on a principal's
                                   membership (their own included): grant, change, revoke
class.request          class       teacher whose membership in that school is PENDING
class.follow           class       teacher member (follow / unfollow any class of the school)
class.view             class       principal, other staff; teacher who is the class's professeur
                                   principal (main_teacher_id) or follows it
class.pupils.manage    class       principal; teacher who is the class's professeur principal or
                                   follows it (record authorisations, open/withdraw access, join
                                   code, printable form, signed scans). Other staff only *see*.
pupil.view             pupil       the pupil themself; anyone with class.view on the pupil's class
pupil.manage           pupil       class.pupils.manage on the pupil's class
search.use             self        R1: a pupil whose class is open, parental authorisation recorded
                                   and access opened by a staff member
search.as_pupil        pupil       staff (not the pupil) with pupil.view: see the search as that
                                   pupil would, to help them (read-only)
=====================  ==========  =================================================================

Why: the founding brief says teachers "accèdent aux mêmes données que le professeur principal"
(so a followed class is managed like one's own: the issue says the professeur principal *or a
teacher of the class* records forms and opens access), the principal "a accès aux données de
chacune des classes" and manages rights, and other staff get "le même tableau de suivi que le
chef d'établissement": the same view, not the management of pupils' authorisations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterable
from typing import Any, Literal, cast, overload

from sqlmodel import Session, col, select

from stages_app.models import (
    ClassFollow,
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
)
from stages_app.services import accounts
from stages_app.services.errors import NotAuthenticated, NotFound, PermissionDenied

__all__ = [
    "ACCESS_TABLE",
    "OTHER_STAFF_FUNCTIONS",
    "TEACHER_FUNCTIONS",
    "ClassAction",
    "MembershipAction",
    "PupilAction",
    "Rule",
    "SchoolAction",
    "Target",
    "Viewer",
    "can",
    "membership_of",
    "pupil_with_open_access",
    "require",
    "require_pupils",
    "require_viewer",
    "viewer_for_token",
]

TEACHER_FUNCTIONS = frozenset(
    {StaffFunction.PROFESSEUR_PRINCIPAL.value, StaffFunction.PROFESSEUR.value}
)
OTHER_STAFF_FUNCTIONS = frozenset(
    {
        StaffFunction.CPE.value,
        StaffFunction.DOCUMENTALISTE.value,
        StaffFunction.PSY_EN.value,
        StaffFunction.ADMINISTRATIF.value,
    }
)

PENDING_MESSAGE = (
    "Votre accès n'est pas encore ouvert : le chef d'établissement doit d'abord accorder vos "
    "droits sur la plateforme."
)
REVOKED_MESSAGE = (
    "Vos droits d'accès à ce collège ont été retirés par le chef d'établissement. "
    "Adressez-vous à lui si vous pensez qu'il s'agit d'une erreur."
)


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The authenticated user, without secrets."""

    user_id: int
    role: str
    email: str
    first_name: str
    last_name: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(stored_id(user), user.role, user.email, user.first_name, user.last_name)


def viewer_for_token(session: Session, token: str | None) -> Viewer | None:
    user = accounts.user_for_token(session, token)
    return Viewer.of(user) if user else None


def require_viewer(
    session: Session, token: str | None, roles: Container[str] | None = None
) -> Viewer:
    """The viewer behind ``token``; NotAuthenticated without a valid session, PermissionDenied
    when ``roles`` is given and the viewer's role is not in it."""
    viewer = viewer_for_token(session, token)
    if viewer is None:
        raise NotAuthenticated()
    if roles is not None and viewer.role not in roles:
        raise PermissionDenied()
    return viewer


# ---------------------------------------------------------------------------------------------
# The actor: the viewer's current account, membership and taught classes (read fresh)
# ---------------------------------------------------------------------------------------------


class _Actor:
    """What the rules need to know about the viewer, loaded once per check from the database."""

    def __init__(self, session: Session, viewer: Viewer | None):
        self.session = session
        self.viewer = viewer
        self.user: User | None = None
        self.membership: StaffMembership | None = None
        self._taught: set[int] | None = None
        if viewer is None:
            return
        user = session.exec(
            select(User).where(User.id == viewer.user_id).execution_options(populate_existing=True)
        ).first()
        if user is None or user.status != UserStatus.ACTIVE.value:
            return
        self.user = user
        if user.role in (Role.PRINCIPAL.value, Role.TEACHER.value, Role.STAFF.value):
            self.membership = session.exec(
                select(StaffMembership)
                .where(StaffMembership.user_id == user.id)
                .execution_options(populate_existing=True)
            ).first()

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def status_in(self, school_id: int) -> str | None:
        """The viewer's rights status in this school, None when not one of its staff."""
        m = self.membership
        return m.status if m is not None and m.school_id == school_id else None

    def member(self, school_id: int) -> bool:
        return self.status_in(school_id) == RightsStatus.GRANTED.value

    def function(self) -> str | None:
        return self.membership.function if self.membership is not None else None

    def principal_of(self, school_id: int) -> bool:
        return self.member(school_id) and self.function() == StaffFunction.PRINCIPAL.value

    def other_staff_of(self, school_id: int) -> bool:
        return self.member(school_id) and self.function() in OTHER_STAFF_FUNCTIONS

    def teacher_of_school(self, school_id: int) -> bool:
        return self.member(school_id) and self.function() in TEACHER_FUNCTIONS

    def taught_class_ids(self) -> set[int]:
        """Classes whose professeur principal the viewer is, or which they follow."""
        if self._taught is None:
            uid = self.user_id
            main = self.session.exec(
                select(SchoolClass.id).where(SchoolClass.main_teacher_id == uid)
            ).all()
            followed = self.session.exec(
                select(ClassFollow.class_id).where(ClassFollow.user_id == uid)
            ).all()
            # primary keys of stored rows: never None (the model types ``id`` as optional)
            self._taught = cast("set[int]", set(main) | set(followed))
        return self._taught

    def teaches(self, klass: SchoolClass) -> bool:
        return self.teacher_of_school(klass.school_id) and klass.id in self.taught_class_ids()


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


def _school_view(a: _Actor, school: School) -> bool:
    return a.member(stored_id(school))


def _school_dashboard(a: _Actor, school: School) -> bool:
    return a.principal_of(stored_id(school)) or a.other_staff_of(stored_id(school))


def _school_principal(a: _Actor, school: School) -> bool:
    return a.principal_of(stored_id(school))


def _member_manage(a: _Actor, membership: StaffMembership) -> bool:
    return (
        a.principal_of(membership.school_id)
        and membership.function != StaffFunction.PRINCIPAL.value
        and membership.user_id != a.user_id
    )


def _class_request(a: _Actor, klass: SchoolClass) -> bool:
    return (
        a.status_in(klass.school_id) == RightsStatus.PENDING.value
        and a.function() in TEACHER_FUNCTIONS
    )


def _class_follow(a: _Actor, klass: SchoolClass) -> bool:
    return a.teacher_of_school(klass.school_id)


def _class_view(a: _Actor, klass: SchoolClass) -> bool:
    return a.principal_of(klass.school_id) or a.other_staff_of(klass.school_id) or a.teaches(klass)


def _class_manage(a: _Actor, klass: SchoolClass) -> bool:
    return a.principal_of(klass.school_id) or a.teaches(klass)


def _class_arrivals(a: _Actor, klass: SchoolClass) -> bool:
    """Who organises the pupils of a class: the principal, the other staff (vie scolaire,
    secrétariat) and the class's own professeur principal (not the teachers who follow it)."""
    school_id = klass.school_id
    return (
        a.principal_of(school_id)
        or a.other_staff_of(school_id)
        or (a.teacher_of_school(school_id) and klass.main_teacher_id == a.user_id)
    )


def _pupil_class(a: _Actor, profile: PupilProfile) -> SchoolClass | None:
    return a.session.get(SchoolClass, profile.class_id)


def _pupil_view(a: _Actor, profile: PupilProfile) -> bool:
    if a.user is not None and a.user.role == Role.STUDENT.value and profile.user_id == a.user_id:
        return True
    klass = _pupil_class(a, profile)
    return klass is not None and _class_view(a, klass)


def _pupil_manage(a: _Actor, profile: PupilProfile) -> bool:
    klass = _pupil_class(a, profile)
    return klass is not None and _class_manage(a, klass)


def _pupil_move(a: _Actor, profile: PupilProfile) -> bool:
    klass = _pupil_class(a, profile)
    return klass is not None and _class_arrivals(a, klass)


def _open_access_profile(a: _Actor) -> tuple[PupilProfile | None, str | None]:
    """(profile, None) when R1 holds for the viewer, else (None, French reason)."""
    if a.user is None or a.user.role != Role.STUDENT.value:
        return None, None
    row = a.session.exec(
        select(PupilProfile, SchoolClass)
        .join(SchoolClass, col(SchoolClass.id) == PupilProfile.class_id)
        .where(PupilProfile.user_id == a.user.id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None, "Votre compte élève n'est rattaché à aucune classe."
    profile, klass = row
    if not klass.access_open:
        return None, "L'accès de votre classe à la plateforme n'est pas ouvert."
    if profile.authorisation_received_on is None or profile.access_opened_at is None:
        return None, (
            "Votre accès n'est pas encore ouvert : il faut l'autorisation signée de vos parents, "
            "puis l'ouverture par votre professeur principal."
        )
    return profile, None


def _search_use(a: _Actor, _target: None) -> bool:
    return _open_access_profile(a)[0] is not None


def _search_as_pupil(a: _Actor, profile: PupilProfile) -> bool:
    return a.membership is not None and _pupil_view(a, profile)


@dataclasses.dataclass(frozen=True)
class Rule:
    scope: str  # "school" | "class" | "pupil" | "membership" | "self"
    # the target's type is fixed by ``scope`` (the row ``_resolve`` loads for it), which the
    # table's string keys cannot tell the type checker: Any
    check: Callable[[_Actor, Any], bool]
    who: str  # the rule in words (documentation, admin page)


_TEACHERS_OF_CLASS = "professeur principal et professeurs qui suivent la classe"

ACCESS_TABLE: dict[str, Rule] = {
    "school.view": Rule(
        "school", _school_view, "tout personnel du collège dont les droits sont accordés"
    ),
    "school.dashboard": Rule(
        "school",
        _school_dashboard,
        "chef d'établissement, autres personnels (CPE, documentaliste, psy-EN, administratif)",
    ),
    "school.settings": Rule("school", _school_principal, "chef d'établissement"),
    "staff.manage": Rule("school", _school_principal, "chef d'établissement"),
    "staff.member.manage": Rule(
        "membership",
        _member_manage,
        "chef d'établissement, sauf sur un compte chef d'établissement",
    ),
    "class.request": Rule(
        "class", _class_request, "professeur du collège en attente de ses droits"
    ),
    "class.follow": Rule("class", _class_follow, "professeur du collège"),
    "class.view": Rule(
        "class", _class_view, f"chef d'établissement, autres personnels, {_TEACHERS_OF_CLASS}"
    ),
    "class.pupils.manage": Rule(
        "class", _class_manage, f"chef d'établissement, {_TEACHERS_OF_CLASS}"
    ),
    "class.arrivals": Rule(
        "class",
        _class_arrivals,
        "chef d'établissement, autres personnels, professeur principal de la classe",
    ),
    "pupil.move": Rule(
        "pupil",
        _pupil_move,
        "chef d'établissement, autres personnels, professeur principal de la classe de l'élève",
    ),
    "pupil.view": Rule("pupil", _pupil_view, "l'élève lui-même, et qui peut voir sa classe"),
    "pupil.manage": Rule("pupil", _pupil_manage, "qui peut gérer les élèves de sa classe"),
    "search.use": Rule("self", _search_use, "élève dont l'accès est ouvert (R1)"),
    "search.as_pupil": Rule("pupil", _search_as_pupil, "personnel qui peut voir l'élève"),
}

# The rows an action may target, by scope; ``require`` returns the one of its action's scope.
Target = School | SchoolClass | PupilProfile | StaffMembership
SchoolAction = Literal["school.view", "school.dashboard", "school.settings", "staff.manage"]
MembershipAction = Literal["staff.member.manage"]
ClassAction = Literal[
    "class.request", "class.follow", "class.view", "class.pupils.manage", "class.arrivals"
]
PupilAction = Literal["pupil.view", "pupil.manage", "pupil.move", "search.as_pupil", "search.use"]

_MODELS: dict[str, type[Target]] = {
    "school": School,
    "class": SchoolClass,
    "pupil": PupilProfile,
    "membership": StaffMembership,
}

_NOT_FOUND = {
    "school": "Ce collège est introuvable.",
    "class": "Cette classe est introuvable : elle a peut-être été supprimée.",
    "pupil": "Cet élève est introuvable.",
    "membership": "Ce membre du personnel est introuvable.",
}


def _resolve(session: Session, scope: str, target: object) -> Target | None:
    """The target row for this scope, or None when it does not exist."""
    if scope == "self":
        return None
    model = _MODELS[scope]
    if isinstance(target, model):
        return target
    if isinstance(target, bool) or not isinstance(target, int):
        return None  # None, a string from the browser, another model: nothing to find
    if scope == "pupil":
        return session.exec(select(PupilProfile).where(PupilProfile.user_id == target)).first()
    # an instance of ``model`` (the type checker joins the models' types into SQLModel)
    return cast("Target | None", session.get(model, target))


def _rule(action: str) -> Rule:
    try:
        return ACCESS_TABLE[action]
    except KeyError:
        raise ValueError(f"action inconnue : {action}") from None


def _school_id_of(row: Target | None) -> int | None:
    if isinstance(row, School):
        return row.id
    if row is not None:  # a class, a pupil or a membership
        return row.school_id
    return None


def _denied(actor: _Actor, school_id: int | None) -> PermissionDenied:
    """A PermissionDenied whose message tells pending/revoked staff why."""
    if school_id is not None:
        status = actor.status_in(school_id)
        if status == RightsStatus.PENDING.value:
            return PermissionDenied(PENDING_MESSAGE)
        if status == RightsStatus.REVOKED.value:
            return PermissionDenied(REVOKED_MESSAGE)
    return PermissionDenied()


def can(session: Session, viewer: Viewer | None, action: str, target: object = None) -> bool:
    """True when the viewer may do ``action`` on ``target`` (a row or its id, see the module doc).
    A missing viewer or target is simply refused."""
    rule = _rule(action)
    row = _resolve(session, rule.scope, target)
    if rule.scope != "self" and row is None:
        return False
    actor = _Actor(session, viewer)
    if actor.user is None:
        return False
    return bool(rule.check(actor, row))


@overload
def require(
    session: Session, viewer: Viewer | None, action: SchoolAction, target: object = None
) -> School: ...
@overload
def require(
    session: Session, viewer: Viewer | None, action: MembershipAction, target: object = None
) -> StaffMembership: ...
@overload
def require(
    session: Session, viewer: Viewer | None, action: ClassAction, target: object = None
) -> SchoolClass: ...
@overload
def require(
    session: Session, viewer: Viewer | None, action: PupilAction, target: object = None
) -> PupilProfile: ...
@overload
def require(
    session: Session, viewer: Viewer | None, action: str, target: object = None
) -> Target | None: ...
def require(
    session: Session, viewer: Viewer | None, action: str, target: object = None
) -> Target | None:
    """Like ``can`` but raises: NotAuthenticated without viewer, NotFound for a missing target,
    PermissionDenied otherwise (with an explanation for pending or revoked staff). Returns the
    resolved target row (None for ``self`` actions)."""
    rule = _rule(action)
    if viewer is None:
        raise NotAuthenticated()
    row = _resolve(session, rule.scope, target)
    if rule.scope != "self" and row is None:
        raise NotFound(_NOT_FOUND[rule.scope])
    actor = _Actor(session, viewer)
    if actor.user is None:
        raise NotAuthenticated()
    if rule.scope == "self" and action == "search.use":
        profile, reason = _open_access_profile(actor)
        if profile is None:
            raise PermissionDenied(reason) if reason else PermissionDenied()
        return profile
    if not rule.check(actor, row):
        raise _denied(actor, _school_id_of(row))
    return row


def require_pupils(
    session: Session, viewer: Viewer | None, action: str, pupil_user_ids: Iterable[int]
) -> list[PupilProfile]:
    """All-or-nothing check for a bulk operation on pupils: the profiles (in the given order,
    duplicates removed) when the viewer may do ``action`` ("pupil.view" / "pupil.manage") on
    every one of them; PermissionDenied as soon as one id is unknown or out of reach."""
    rule = _rule(action)
    if rule.scope != "pupil":
        raise ValueError(f"{action} ne porte pas sur un élève")
    if viewer is None:
        raise NotAuthenticated()
    ids: list[int] = []
    for raw in pupil_user_ids:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise PermissionDenied()
        if raw not in ids:
            ids.append(raw)
    actor = _Actor(session, viewer)
    if actor.user is None:
        raise NotAuthenticated()
    if not ids:
        return []
    profiles = {
        p.user_id: p
        for p in session.exec(
            select(PupilProfile)
            .where(col(PupilProfile.user_id).in_(ids))
            .execution_options(populate_existing=True)
        ).all()
    }
    allowed_classes: dict[int, bool] = {}
    school_id = None
    for uid in ids:
        profile = profiles.get(uid)
        if profile is None:
            raise PermissionDenied(
                "Un des élèves sélectionnés est introuvable ou n'est pas dans vos classes : "
                "rien n'a été modifié."
            )
        school_id = profile.school_id
        if profile.class_id not in allowed_classes:
            allowed_classes[profile.class_id] = bool(rule.check(actor, profile))
        if not allowed_classes[profile.class_id]:
            denied = _denied(actor, school_id)
            if denied.message == PermissionDenied().message:
                denied = PermissionDenied(
                    "Un des élèves sélectionnés n'est pas dans une classe que vous gérez : "
                    "rien n'a été modifié."
                )
            raise denied
    return [profiles[uid] for uid in ids]


def membership_of(session: Session, viewer: Viewer | None) -> StaffMembership | None:
    """The viewer's staff membership (any status), read fresh, or None."""
    if viewer is None:
        return None
    return session.exec(
        select(StaffMembership)
        .where(StaffMembership.user_id == viewer.user_id)
        .execution_options(populate_existing=True)
    ).first()


def pupil_with_open_access(session: Session, viewer: Viewer) -> PupilProfile:
    """R1 for pupils: the PupilProfile of a pupil who may search and apply (class open, parental
    authorisation recorded, access opened by a staff member); PermissionDenied otherwise."""
    if viewer is None or viewer.role != Role.STUDENT.value:
        raise PermissionDenied()
    return require(session, viewer, "search.use")
