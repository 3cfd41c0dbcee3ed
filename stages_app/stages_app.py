"""The Reflex app: page registration only."""

import logging

import reflex as rx

from stages_app import routes
from stages_app.pages.admin.home import admin_home
from stages_app.pages.admin.mailbox import admin_mailbox
from stages_app.pages.employer.inbox import employer_application, employer_inbox
from stages_app.pages.employer.offers import employer_offers, offer_editor
from stages_app.pages.public.invitation import invitation_signup
from stages_app.pages.public.landing import landing
from stages_app.pages.public.login import login
from stages_app.pages.public.misc import accessibility, confirm_email, forbidden, legal
from stages_app.pages.public.notifications import notifications_page
from stages_app.pages.public.signup import (
    signup_chooser,
    signup_employer,
    signup_principal,
    signup_staff,
    signup_student,
)
from stages_app.pages.school.class_page import class_page
from stages_app.pages.school.dashboard import school_dashboard_page
from stages_app.pages.school.home import school_home
from stages_app.pages.school.pupil_file import pupil_file_page
from stages_app.pages.school.settings import school_settings
from stages_app.pages.school.staff import school_staff
from stages_app.pages.student.applications import application_page, tracker_page
from stages_app.pages.student.cv import cv_page
from stages_app.pages.student.home import student_home
from stages_app.pages.student.search import (
    offer_detail,
    offer_search,
    pupil_offer_for_staff,
    pupil_search_for_staff,
)
from stages_app.services.jobs import run_periodic_jobs
from stages_app.services.mail import run_mail_sender
from stages_app.states.admin import MailboxState
from stages_app.states.applications import ApplicationState, ApplyState, TrackerState
from stages_app.states.auth import AuthState
from stages_app.states.class_page import ClassPageState
from stages_app.states.cv import CVState
from stages_app.states.dashboards import PupilFileState, SchoolDashboardState
from stages_app.states.employer import EmployerOffersState, OfferEditorState
from stages_app.states.home import (
    AdminHomeState,
    SchoolHomeState,
    StudentHomeState,
)
from stages_app.states.inbox import ApplicationReviewState, InboxState
from stages_app.states.login import ConfirmEmailState, LoginState, SignupState
from stages_app.states.notifications import NotificationsState
from stages_app.states.school_picker import SchoolPickerState
from stages_app.states.school_settings import SchoolSettingsState
from stages_app.states.search import (
    OfferDetailState,
    OfferSearchState,
    PupilOfferForStaffState,
    PupilSearchForStaffState,
)
from stages_app.states.staff import InvitationSignupState, StaffState

# (route, page, title, page-specific on_load or None)
PAGES = [
    (routes.HOME, landing, "Stages 3e — le stage d'observation de 3e", None),
    (routes.LOGIN, login, "Se connecter — Stages 3e", LoginState.load),
    (routes.SIGNUP, signup_chooser, "Créer un compte — Stages 3e", None),
    (
        routes.SIGNUP_STUDENT,
        signup_student,
        "Inscription élève — Stages 3e",
        SignupState.reset_form,
    ),
    (
        routes.SIGNUP_EMPLOYER,
        signup_employer,
        "Inscription employeur — Stages 3e",
        SignupState.reset_form,
    ),
    (
        routes.SIGNUP_STAFF,
        signup_staff,
        "Inscription des personnels — Stages 3e",
        [SignupState.reset_form, SchoolPickerState.reset_picker],
    ),
    (
        routes.SIGNUP_PRINCIPAL,
        signup_principal,
        "Inscrire mon collège — Stages 3e",
        [SignupState.reset_form, SchoolPickerState.reset_picker],
    ),
    (
        routes.CONFIRM_EMAIL,
        confirm_email,
        "Confirmation de l'e-mail — Stages 3e",
        ConfirmEmailState.load,
    ),
    (routes.FORBIDDEN, forbidden, "Accès refusé — Stages 3e", None),
    (
        routes.NOTIFICATIONS,
        notifications_page,
        "Notifications — Stages 3e",
        NotificationsState.load,
    ),
    (routes.ACCESSIBILITY, accessibility, "Accessibilité — Stages 3e", None),
    (routes.LEGAL, legal, "Mentions légales — Stages 3e", None),
    (routes.STUDENT_HOME, student_home, "Mon espace élève — Stages 3e", StudentHomeState.load),
    (routes.STUDENT_SEARCH, offer_search, "Rechercher un stage — Stages 3e", OfferSearchState.load),
    (
        routes.STUDENT_OFFER,
        offer_detail,
        "Offre de stage — Stages 3e",
        [OfferDetailState.load, ApplyState.load],
    ),
    (routes.STUDENT_CV, cv_page, "Mon CV — Stages 3e", CVState.load),
    (
        routes.STUDENT_APPLICATION,
        application_page,
        "Candidature — Stages 3e",
        ApplicationState.load,
    ),
    (routes.STUDENT_TRACKER, tracker_page, "Mes candidatures — Stages 3e", TrackerState.load),
    (
        routes.SCHOOL_PUPIL_SEARCH,
        pupil_search_for_staff,
        "Recherche d'un élève — Stages 3e",
        PupilSearchForStaffState.load,
    ),
    (
        routes.SCHOOL_PUPIL_OFFER,
        pupil_offer_for_staff,
        "Offre de stage — Stages 3e",
        PupilOfferForStaffState.load,
    ),
    (routes.SCHOOL_HOME, school_home, "Tableau de bord — Stages 3e", SchoolHomeState.load),
    (
        routes.SCHOOL_SETTINGS,
        school_settings,
        "Paramètres du collège — Stages 3e",
        SchoolSettingsState.load,
    ),
    (routes.SCHOOL_CLASS, class_page, "Classe — Stages 3e", ClassPageState.load),
    (routes.SCHOOL_STAFF, school_staff, "Personnels — Stages 3e", StaffState.load),
    (
        routes.SCHOOL_DASHBOARD,
        school_dashboard_page,
        "Suivi des stages — Stages 3e",
        SchoolDashboardState.load,
    ),
    (routes.SCHOOL_PUPIL, pupil_file_page, "Dossier d'un élève — Stages 3e", PupilFileState.load),
    (
        routes.SIGNUP_INVITATION,
        invitation_signup,
        "Invitation — Stages 3e",
        InvitationSignupState.load,
    ),
    (routes.EMPLOYER_HOME, employer_offers, "Mes offres — Stages 3e", EmployerOffersState.load),
    (routes.EMPLOYER_OFFER, offer_editor, "Offre de stage — Stages 3e", OfferEditorState.load),
    (routes.EMPLOYER_INBOX, employer_inbox, "Candidatures reçues — Stages 3e", InboxState.load),
    (
        routes.EMPLOYER_APPLICATION,
        employer_application,
        "Candidature reçue — Stages 3e",
        ApplicationReviewState.load,
    ),
    (routes.ADMIN_HOME, admin_home, "Administration — Stages 3e", AdminHomeState.load),
    (routes.ADMIN_MAILBOX, admin_mailbox, "Courriels envoyés — Stages 3e", MailboxState.load),
]

# Our own INFO logs (e.g. queued mails with their links) reach the server log.
_log = logging.getLogger("stages_app")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)

app = rx.App(
    html_lang="fr",
    stylesheets=["/styles.css"],
)

# Background e-mail sender: a deliver_pending pass every 5 s in a thread when STAGES_SMTP_HOST is
# set (otherwise mails stay in the local outbox, /admin/courriels). Errors are logged, never raised.
app.register_lifespan_task(run_mail_sender)
# Hourly jobs: applications still waiting when their week has started are closed.
app.register_lifespan_task(run_periodic_jobs)

for route, page, title, on_load in PAGES:
    # The guard runs first; the page's own loader re-derives the user again from the token.
    app.add_page(
        page,
        route=route,
        title=title,
        on_load=[
            AuthState.check_access,
            *(on_load if isinstance(on_load, list) else [on_load] if on_load else []),
        ],
    )
