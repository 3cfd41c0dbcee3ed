"""A collège gets itself onto the platform, in Chromium, exactly as its people would do it.

One journey in ordered steps sharing module-scoped state (one browser context per person):

1. the directory holds a commune (Évry-Courcouronnes) and two collèges, inserted with the models;
2. the principal signs up from the city and collège pickers, confirms the e-mail from the outbox
   link and logs in;
3. the principal creates two classes and an internship period, then invites a teacher;
4. the teacher signs up from the invitation link and sees their class at once;
5. a CPE signs up without invitation, waits, is granted by the principal and sees the classes;
6. a pupil signs up with the class code and sees the waiting page;
7. the teacher records the parental authorisation and opens the pupil's access;
8. the pupil sees the open access and reaches the offer search page.

Each step saves ``test-artifacts/onboarding-NN-*.png`` and checks every page it visits with axe.
A step whose predecessor failed is skipped (its failure would only repeat the first one).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from stages_app.models import Commune, OutboxMail, School, SchoolClass
from stages_app.services.calendar import school_year_bounds, school_year_of, week_label
from stages_app.services.schools import paris_today
from stages_app.services.text import search_key
from tests.e2e.helpers import Journey as BaseJourney
from tests.e2e.helpers import assert_accessible, screenshot, sign_in, url

pytestmark = pytest.mark.e2e

PASSWORD = "marelle-ocean-tournesol"
DOMAIN = "ac-versailles.fr"
# Synthetic directory rows, unique in the shared e2e database (people.py uses 0931234A).
INSEE = "91228"
COMMUNE = "Évry-Courcouronnes"
UAI = "0912801A"  # check letter: 912801 mod 23 = 0 -> A
OTHER_UAI = "0912802B"
SCHOOL = "Collège Paul Éluard d'Évry"
OTHER_SCHOOL = "Collège des Pyramides d'Évry"
PRINCIPAL = ("Nathalie", "Perrin", f"ce.{UAI.lower()}@{DOMAIN}")
TEACHER = ("Claire", "Moreau", f"claire.moreau@{DOMAIN}")
CPE = ("Yannick", "Roussel", f"yannick.roussel@{DOMAIN}")
PUPIL = ("Léa", "Dubois", "lea.dubois@exemple.fr")
CLASS_A, CLASS_B = "3e Curie", "3e Hugo"


def internship_monday(today: dt.date) -> dt.date:
    """A Monday two weeks ahead, inside the current school year (else the next Monday)."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    candidate = next_monday + dt.timedelta(weeks=2)
    _start, end = school_year_bounds(school_year_of(today))
    return candidate if candidate + dt.timedelta(days=4) <= end else next_monday


@dataclass(kw_only=True)
class Journey(BaseJourney):
    engine: object
    class_code: str = ""
    invitation: str = ""
    week: dt.date | None = None

    def outbox_link(self, to: str, path: str) -> str:
        """The path + query of the newest mail to ``to`` that holds a link to ``path``."""
        with Session(self.engine) as s:
            bodies = s.exec(
                select(OutboxMail.body)
                .where(OutboxMail.to_email == to)
                .order_by(OutboxMail.id.desc())
            ).all()
        for body in bodies:
            found = re.search(re.escape(path) + r"\?jeton=[A-Za-z0-9_\-]+", body)
            if found:
                return found.group(0)
        raise AssertionError(f"no mail to {to} with a {path} link in the outbox")


@pytest.fixture(scope="module")
def journey(e2e_app, e2e_engine, browser, browser_context_args):
    with Session(e2e_engine) as s:
        s.add(
            Commune(
                insee_code=INSEE,
                name=COMMUNE,
                full_name=COMMUNE,
                search_name=search_key(COMMUNE),
                department_code="91",
                department_name="Essonne",
                postal_codes="91000;91080",
                population=66000,
                latitude=48.6243,
                longitude=2.4407,
            )
        )
        for uai, name, address in (
            (UAI, SCHOOL, "2 rue Jules Vallès"),
            (OTHER_UAI, OTHER_SCHOOL, "1 place des Pyramides"),
        ):
            s.add(
                School(
                    uai=uai,
                    name=name,
                    address=address,
                    postal_code="91000",
                    commune_name=COMMUNE,
                    commune_insee=INSEE,
                    department_code="91",
                    department_name="Essonne",
                    academy_code="25",
                    academy_name="Versailles",
                    region_name="Île-de-France",
                    academy_domain=DOMAIN,
                    latitude=48.6290,
                    longitude=2.4310,
                )
            )
        s.commit()
    j = Journey(browser=browser, context_args=browser_context_args, engine=e2e_engine)
    yield j
    j.close()


login = functools.partial(sign_in, password=PASSWORD)


def pick_school(page: Page) -> None:
    """City type-ahead ("evry", no accent, lower case), then the collège radio."""
    page.get_by_label("Ville du collège").fill("evry")
    expect(page.get_by_text(re.compile(r"^\d+ ville\(s\) avec un collège$"))).to_be_visible()
    page.get_by_role(
        "button", name=re.compile(r"^Évry-Courcouronnes \(91000\) — 2 collège")
    ).click()
    expect(page.get_by_text(f"Ville : {COMMUNE} (91000)")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(re.escape(OTHER_SCHOOL)))).to_be_visible()
    page.get_by_role("radio", name=re.compile(re.escape(SCHOOL))).check()
    expect(page.get_by_role("radio", name=re.compile(re.escape(SCHOOL)))).to_be_checked()


def fill_identity(page: Page, first: str, last: str) -> None:
    page.locator("#champ-first_name").fill(first)
    page.locator("#champ-last_name").fill(last)


def test_01_principal_signs_up_from_the_pickers_and_confirms(journey: Journey):
    page = journey.page_for("principal")
    first, last, email = PRINCIPAL
    page.goto("/inscription/chef-etablissement")
    expect(page.get_by_role("heading", level=1, name="Inscrire mon collège")).to_be_visible()
    assert_accessible(page, "onboarding-01-principal-signup")
    pick_school(page)
    expect(
        page.get_by_text(f"Utilisez l'adresse fonctionnelle du collège : {email}")
    ).to_be_visible()
    fill_identity(page, first, last)
    page.get_by_label("Adresse e-mail").fill(email.upper())  # any case is accepted
    page.get_by_label("Mot de passe").fill(PASSWORD)
    screenshot(page, "onboarding-01-principal-signup-filled")
    page.get_by_role("button", name="Inscrire le collège").click()
    expect(page.get_by_role("status").filter(has_text="Compte créé")).to_contain_text(
        f"Un lien de confirmation a été envoyé à {email}"
    )
    assert_accessible(page, "onboarding-01-principal-signup-done")
    screenshot(page, "onboarding-01-principal-signup-done")

    page.goto(journey.outbox_link(email, "/confirmer-email"))
    expect(
        page.get_by_role("status").filter(has_text="Votre adresse e-mail est confirmée")
    ).to_be_visible()
    assert_accessible(page, "onboarding-02-email-confirmed")
    screenshot(page, "onboarding-02-email-confirmed")

    login(page, email)
    expect(page).to_have_url(url("/etablissement"))
    expect(page.get_by_role("heading", level=1, name="Tableau de bord du collège")).to_be_visible()
    expect(page.get_by_text(f"{SCHOOL} ({UAI})")).to_be_visible()
    expect(page.get_by_text("Aucune classe à afficher pour l'instant.")).to_be_visible()
    assert_accessible(page, "onboarding-03-principal-home")
    screenshot(page, "onboarding-03-principal-home")
    journey.done.add("principal")


def test_02_principal_creates_classes_and_a_period_then_invites_a_teacher(journey: Journey):
    journey.after("principal")
    page = journey.page_for("principal")
    page.get_by_role("link", name="Paramètres").click()
    expect(page).to_have_url(url("/etablissement/parametres"))
    expect(page.get_by_role("heading", level=1, name="Paramètres du collège")).to_be_visible()
    expect(page.get_by_text("Aucune classe pour l'instant.")).to_be_visible()
    assert_accessible(page, "onboarding-04-settings-empty")
    for name in (CLASS_A, CLASS_B):
        page.get_by_label("Nom de la nouvelle classe").fill(name)
        page.get_by_role("button", name="Créer la classe").click()
        expect(page.get_by_role("status")).to_contain_text(f"Classe « {name} » créée.")
        expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()

    journey.week = internship_monday(paris_today())
    page.get_by_label("Première semaine").fill(journey.week.isoformat())
    page.get_by_role("button", name="Ajouter la période").click()
    expect(page.get_by_role("status")).to_contain_text("1 semaine(s) de stage ajoutée(s).")
    label = week_label(journey.week)
    expect(page.get_by_role("button", name=f"Retirer la semaine {label}")).to_be_visible()
    assert_accessible(page, "onboarding-04-settings")
    screenshot(page, "onboarding-04-settings")

    page.get_by_role("link", name="Personnels").click()
    expect(page).to_have_url(url("/etablissement/personnels"))
    expect(page.get_by_role("heading", level=1, name="Personnels du collège")).to_be_visible()
    expect(page.get_by_text("Aucune invitation.")).to_be_visible()
    assert_accessible(page, "onboarding-05-staff-empty")
    page.get_by_label("Adresse e-mail académique").fill(TEACHER[2])
    page.locator("#champ-function").select_option("professeur_principal")
    page.get_by_label("Classe (pour un professeur principal)").select_option(label=CLASS_A)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation envoyée à {TEACHER[2]}.")
    link = page.get_by_role("link", name=re.compile(r"invitation\?jeton="))
    expect(link).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=TEACHER[2])).to_contain_text(CLASS_A)
    shown = re.search(r"/inscription/invitation\?jeton=[A-Za-z0-9_\-]+", link.get_attribute("href"))
    assert shown, link.get_attribute("href")
    assert journey.outbox_link(TEACHER[2], "/inscription/invitation") == shown.group(0)
    journey.invitation = shown.group(0)
    assert_accessible(page, "onboarding-05-staff-invited")
    screenshot(page, "onboarding-05-staff-invited")
    journey.done.add("settings")


def test_03_teacher_signs_up_from_the_invitation(journey: Journey):
    journey.after("settings")
    page = journey.page_for("teacher")
    first, last, email = TEACHER
    page.goto(journey.invitation)
    expect(
        page.get_by_role("heading", level=1, name="Rejoindre l'espace de votre collège")
    ).to_be_visible()
    expect(
        page.get_by_text(f"{PRINCIPAL[0]} {PRINCIPAL[1]} vous invite à rejoindre")
    ).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page, "onboarding-06-invitation")
    fill_identity(page, first, last)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    screenshot(page, "onboarding-06-invitation")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(url("/etablissement"))
    class_link = page.get_by_role("link", name=f"Ouvrir la classe {CLASS_A}")
    expect(class_link).to_be_visible()
    row = page.get_by_role("row").filter(has=class_link)
    expect(row).to_contain_text(f"{first} {last}")  # professeur principal of the class
    journey.class_code = row.locator("code").inner_text().strip()
    with Session(journey.engine) as s:
        expected = s.exec(
            select(SchoolClass.join_code)
            .join(School)
            .where(School.uai == UAI, SchoolClass.name == CLASS_A)
        ).one()
    assert journey.class_code == expected
    expect(page.get_by_text("Votre classe", exact=True)).to_be_visible()
    assert_accessible(page, "onboarding-07-teacher-home")
    screenshot(page, "onboarding-07-teacher-home")
    journey.done.add("teacher")


def test_04_cpe_signs_up_without_invitation_and_is_granted(journey: Journey):
    journey.after("teacher")
    page = journey.page_for("cpe")
    first, last, email = CPE
    page.goto("/inscription/personnel")
    expect(page.get_by_role("heading", level=1, name="Inscription des personnels")).to_be_visible()
    assert_accessible(page, "onboarding-08-staff-signup")
    pick_school(page)
    expect(page.get_by_text(f"Adresse attendue : …@{DOMAIN}")).to_be_visible()
    page.locator("#champ-function").select_option("cpe")
    fill_identity(page, first, last)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    assert_accessible(page, "onboarding-08-staff-signup-filled")
    screenshot(page, "onboarding-08-staff-signup-filled")
    page.get_by_role("button", name="Demander l'accès").click()
    expect(page).to_have_url(url("/etablissement"))
    expect(
        page.get_by_role("status").filter(has_text="Votre demande d'accès est en attente")
    ).to_be_visible()
    expect(page.get_by_role("link", name=f"Ouvrir la classe {CLASS_A}")).to_have_count(0)
    assert_accessible(page, "onboarding-09-cpe-pending")
    screenshot(page, "onboarding-09-cpe-pending")

    principal = journey.page_for("principal")
    principal.goto("/etablissement/personnels")
    grant = principal.get_by_role("button", name=f"Accorder l'accès à {first} {last}")
    expect(grant).to_be_visible()
    assert_accessible(principal, "onboarding-10-staff-pending")
    grant.click()
    expect(
        principal.get_by_role("button", name=f"Retirer l'accès de {first} {last}")
    ).to_be_visible()
    expect(principal.get_by_role("row").filter(has_text=email)).to_contain_text("Droits accordés")
    assert_accessible(principal, "onboarding-10-staff-granted")
    screenshot(principal, "onboarding-10-staff-granted")

    page.reload()
    for name in (CLASS_A, CLASS_B):
        expect(page.get_by_role("link", name=f"Ouvrir la classe {name}")).to_be_visible()
    expect(page.get_by_text("Votre demande d'accès est en attente")).to_have_count(0)
    assert_accessible(page, "onboarding-11-cpe-granted")
    screenshot(page, "onboarding-11-cpe-granted")
    journey.done.add("cpe")


def test_05_pupil_signs_up_with_the_class_code_and_waits(journey: Journey):
    journey.after("teacher")
    page = journey.page_for("pupil")
    first, last, email = PUPIL
    page.goto("/inscription/eleve")
    expect(page.get_by_role("heading", level=1, name="Inscription élève")).to_be_visible()
    assert_accessible(page, "onboarding-12-pupil-signup")
    page.get_by_label("Code de la classe").fill(journey.class_code.lower())
    fill_identity(page, first, last)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    screenshot(page, "onboarding-12-pupil-signup-filled")
    page.get_by_role("button", name="Créer mon compte élève").click()
    expect(page).to_have_url(url("/eleve"))
    expect(page.get_by_text(f"{CLASS_A} · {SCHOOL}")).to_be_visible()  # the page has loaded
    expect(
        page.get_by_role("heading", name="En attente de l'autorisation de vos parents")
    ).to_be_visible()
    expect(
        page.get_by_text("Le collège n'a pas encore reçu l'autorisation signée.")
    ).to_be_visible()
    assert_accessible(page, "onboarding-13-pupil-waiting")
    screenshot(page, "onboarding-13-pupil-waiting")

    # R1: without opened access, the offer search only says why.
    page.goto("/eleve/offres")
    expect(
        page.get_by_role("status").filter(has_text="Votre accès n'est pas encore ouvert")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("offre\\(s\\) trouvée"))).to_have_count(0)
    assert_accessible(page, "onboarding-13-pupil-search-refused")
    screenshot(page, "onboarding-13-pupil-search-refused")
    page.goto("/eleve")
    journey.done.add("pupil")


def test_06_teacher_records_the_authorisation_and_opens_access(journey: Journey):
    journey.after("pupil")
    page = journey.page_for("teacher")
    first, last, _email = PUPIL
    page.goto("/etablissement")
    page.get_by_role("link", name=f"Ouvrir la classe {CLASS_A}").click()
    expect(page).to_have_url(re.compile(r"/etablissement/classe/?\?id=\d+$"))
    expect(page.get_by_role("heading", level=1, name=f"Classe {CLASS_A}")).to_be_visible()
    expect(page.get_by_text(journey.class_code, exact=True)).to_be_visible()
    box = page.get_by_role("checkbox", name=f"Sélectionner {first} {last}")
    expect(box).to_be_visible()
    row = page.get_by_role("row").filter(has=box)
    assert_accessible(page, "onboarding-14-class")
    box.click()
    expect(box).to_be_checked()
    expect(page.get_by_text("1 élève(s) sélectionné(s)")).to_be_visible()
    page.get_by_role("button", name="Enregistrer l'autorisation reçue").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Autorisation parentale enregistrée pour 1 élève(s)."
    )
    expect(box).to_be_checked()  # the selection survives the reload of the rows
    page.get_by_role("button", name="Ouvrir l'accès").click()
    expect(page.get_by_role("status")).to_contain_text("1 accès ouvert.")
    expect(page.get_by_role("button", name=f"Retirer l'accès de {first} {last}")).to_be_visible()
    expect(row).to_contain_text("Accès ouvert")
    assert_accessible(page, "onboarding-14-class-opened")
    screenshot(page, "onboarding-14-class-opened")
    journey.done.add("opened")


def test_07_pupil_reaches_the_offer_search(journey: Journey):
    journey.after("opened")
    page = journey.page_for("pupil")
    page.reload()
    expect(page.get_by_role("heading", name="Votre accès est ouvert")).to_be_visible()
    expect(page.get_by_text("En attente de l'autorisation de vos parents")).to_have_count(0)
    assert_accessible(page, "onboarding-15-pupil-open")
    screenshot(page, "onboarding-15-pupil-open")

    page.goto("/eleve/offres")
    expect(page).to_have_url(url("/eleve/offres"))
    expect(page.get_by_role("heading", level=1, name="Rechercher un stage")).to_be_visible()
    assert_accessible(page, "onboarding-16-offer-search")
    screenshot(page, "onboarding-16-offer-search")
