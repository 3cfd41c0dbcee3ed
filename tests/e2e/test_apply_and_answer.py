"""A pupil writes a CV, applies to four offers; an employer accepts one; R3/R5 in the tracker.

One journey in ordered steps sharing module-scoped state (one browser context per person), on
the data of ``tests/e2e/apply_world.py``: a collège in Rezé with two internship weeks, one
pupil with open access, and three employers near the collège (A offers weeks 1 and 2, B and C
week 1 only).

1. the pupil fills three sections of the CV; the autosave shows "Enregistré" and the live
   preview follows; after a reload the text is still there (it was saved to the database);
2. the pupil applies to A, B and C for week 1 and to A for week 2 (letter, review, send): the
   tracker lists four applications "Envoyée" and "0 stage sur 2";
3. employer A opens the inbox, opens the pupil's week-1 application (it becomes "Lue", with the
   CV and letter as sent) and accepts it with a message;
4. the pupil's tracker shows the internship on top and "1 stage sur 2"; B's and C's week-1
   applications are "Annulée automatiquement" with the reason (R5), A's week-2 one is still
   waiting (R5 cancels per week, not per employer).

Each step saves ``test-artifacts/apply-NN-*.png`` and checks the pages it shows with axe.
A step whose predecessor failed is skipped (its failure would only repeat the first one).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from stages_app.models import Application, User
from stages_app.services import applications as apps
from stages_app.services.access import Viewer
from stages_app.services.calendar import school_year_label, school_year_of, week_label
from stages_app.services.schools import paris_today
from tests.e2e.apply_world import (
    EMPLOYER_A,
    EMPLOYER_B,
    EMPLOYER_C,
    PASSWORD,
    PUPIL_NAME,
    SCHOOL,
    Employer,
    World,
    create_world,
)
from tests.e2e.helpers import PHONE_CONTEXT_ARGS, assert_accessible, screenshot, sign_in, url
from tests.e2e.helpers import Journey as BaseJourney

pytestmark = pytest.mark.e2e

CV_ABOUT = (
    "Je m'appelle Chloé, je suis en 3e au collège de Rezé. J'aime comprendre comment "
    "les choses fonctionnent et aider les autres."
)
CV_SCHOOL = [
    "Depuis 2023 : Collège Simone Veil, Rezé (3e Estuaire)",
    "2017-2023 : École élémentaire Ouche Dinier, Rezé",
]
CV_INTERESTS = ["Handball au club de Rezé", "Lecture de mangas", "Atelier robotique du collège"]

LETTERS = {
    "A": (
        "Madame, Monsieur,\nJe voudrais découvrir le travail en pharmacie : conseiller les "
        "patients et préparer les commandes m'intéresse beaucoup.\nChloé Le Gall"
    ),
    "B": (
        "Bonjour,\nJ'aime démonter et réparer mon vélo : j'aimerais voir comment on répare "
        "une voiture dans un vrai atelier.\nChloé Le Gall"
    ),
    "C": (
        "Madame, Monsieur,\nJe lis beaucoup et je voudrais savoir comment on choisit et "
        "range les livres d'une médiathèque.\nChloé Le Gall"
    ),
}
ACCEPT_MESSAGE = (
    "Bienvenue Chloé ! Rendez-vous lundi à 9 h à la pharmacie, avec une tenue "
    "correcte et un bloc-notes."
)
AUTO_REASON = (
    "Annulée automatiquement : une autre de vos candidatures a été acceptée pour la semaine {week}."
)


@dataclass(kw_only=True)
class Journey(BaseJourney):
    world: World


@pytest.fixture(scope="module")
def journey(e2e_app, e2e_engine, browser, browser_context_args):
    j = Journey(browser=browser, context_args=browser_context_args, world=create_world(e2e_engine))
    yield j
    j.close()


login = functools.partial(sign_in, password=PASSWORD)


def week_name(monday) -> str:
    """'Semaine du 14 au 18 décembre 2026', as the pupil's pages name a week."""
    return f"Semaine {week_label(monday)}"


def tracker_card(page: Page, title: str, monday):
    """The tracker card of the application to ``title`` for this week (not the internship
    card on top: its link is "Détails du stage …", not the offer title)."""
    return (
        page.locator(".rt-Card")
        .filter(has=page.get_by_role("link", name=title, exact=True))
        .filter(has_text=f"Semaine {week_label(monday)}")
    )


def apply(page: Page, journey: Journey, employer: Employer, monday, step: str) -> None:
    """From the offer page: choose the week, write the letter (autosaved), review, send."""
    offer_id = journey.world.offer_ids[employer.key]
    page.goto(f"/eleve/offre?id={offer_id}")
    expect(page.get_by_role("heading", level=1, name=employer.title)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Postuler")).to_be_visible()
    page.get_by_role("button", name=f"Postuler pour la {week_name(monday)}").click()

    expect(page).to_have_url(url("/eleve/candidature", r"\?id=\d+"))
    expect(
        page.get_by_role("heading", level=1, name=f"Candidature : {employer.title}")
    ).to_be_visible()
    expect(
        page.get_by_text(f"{employer.organisation} · {employer.place.name} · {week_label(monday)}")
    ).to_be_visible()
    letter = page.get_by_label("Ma lettre de motivation pour cette offre")
    expect(letter).to_be_editable()
    expect(letter).to_have_value("")
    text = LETTERS[employer.key]
    letter.fill(text)
    # the debounced autosave has reached the server before the page changes
    expect(page.get_by_text("Brouillon enregistré", exact=True)).to_be_visible()
    if step:
        assert_accessible(page, f"{step}-letter")
        screenshot(page, f"{step}-letter")
    page.get_by_role("button", name="Relire avant d'envoyer").click()
    expect(
        page.get_by_text("Relisez votre lettre. Votre CV, tel qu'il est maintenant, sera joint.")
    ).to_be_visible()
    expect(page.get_by_text(text.splitlines()[1])).to_be_visible()
    if step:
        screenshot(page, f"{step}-review")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(
        page.get_by_text(f"Votre candidature est envoyée à {employer.organisation}.", exact=False)
    ).to_be_visible()
    expect(page.get_by_text("Envoyée", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Ma lettre telle qu'envoyée")).to_be_visible()
    expect(page.get_by_role("button", name="Retirer ma candidature")).to_be_visible()
    if step:
        assert_accessible(page, f"{step}-sent")
        screenshot(page, f"{step}-sent")


def test_01_pupil_writes_the_cv_and_it_survives_a_reload(journey: Journey):
    page = journey.page_for("pupil")
    login(page, journey.world.pupil_email)
    expect(page).to_have_url(url("/eleve"))
    page.goto("/eleve/cv")
    expect(page.get_by_role("heading", level=1, name="Mon CV")).to_be_visible()
    badge = page.get_by_role("status").filter(has_text=re.compile("nregistré"))
    expect(badge).to_have_text("Pas encore enregistré")
    preview = page.locator(".rt-Card").filter(has_text=PUPIL_NAME)

    about = page.get_by_label("À propos de moi")
    about.fill(CV_ABOUT)
    expect(badge).to_have_text("Enregistré")
    expect(preview).to_contain_text(CV_ABOUT)
    page.get_by_label("Ma scolarité").fill("\n".join(CV_SCHOOL))
    expect(preview.get_by_role("listitem").filter(has_text=CV_SCHOOL[1])).to_be_visible()
    interests = page.get_by_label("Mes centres d'intérêt et activités")
    interests.fill("\n".join(CV_INTERESTS))
    # the preview shows what the state holds, which the same handler has just saved
    for item in CV_INTERESTS:
        expect(preview.get_by_role("listitem").filter(has_text=item)).to_be_visible()
    expect(badge).to_have_text("Enregistré")
    assert_accessible(page, "apply-01-cv-typed")
    screenshot(page, "apply-01-cv-typed")

    page.reload()
    expect(page.get_by_role("heading", level=1, name="Mon CV")).to_be_visible()
    expect(badge).to_have_text(re.compile(r"^Enregistré le \d\d/\d\d/\d{4} à \d\d:\d\d$"))
    expect(page.get_by_label("À propos de moi")).to_have_value(CV_ABOUT)
    expect(page.get_by_label("Ma scolarité")).to_have_value("\n".join(CV_SCHOOL))
    expect(page.get_by_label("Mes centres d'intérêt et activités")).to_have_value(
        "\n".join(CV_INTERESTS)
    )
    for item in CV_INTERESTS:
        expect(preview.get_by_role("listitem").filter(has_text=item)).to_be_visible()
    assert_accessible(page, "apply-02-cv-reloaded")
    screenshot(page, "apply-02-cv-reloaded")
    journey.done.add("cv")


def test_02_pupil_applies_to_three_offers_for_week_1_and_one_for_week_2(journey: Journey):
    journey.after("cv")
    page = journey.page_for("pupil")
    w1, w2 = journey.world.week1, journey.world.week2
    apply(page, journey, EMPLOYER_A, w1, "apply-03-a-week1")
    apply(page, journey, EMPLOYER_B, w1, "")
    apply(page, journey, EMPLOYER_C, w1, "")
    apply(page, journey, EMPLOYER_A, w2, "apply-04-a-week2")

    # back on A's offer page, both weeks link to the applications sent
    page.goto(f"/eleve/offre?id={journey.world.offer_ids['A']}")
    expect(page.get_by_role("link", name="Voir ma candidature")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("^Postuler pour"))).to_have_count(0)

    page.get_by_role("link", name="Mes candidatures", exact=True).click()
    expect(page).to_have_url(url("/eleve/candidatures"))
    year = school_year_label(school_year_of(paris_today()))
    expect(
        page.get_by_role("heading", level=2, name=f"Mes stages {year} : 0 stage sur 2")
    ).to_be_visible()
    expect(page.get_by_text("Pas encore de stage accepté.", exact=False)).to_be_visible()
    for employer, monday in (
        (EMPLOYER_A, w1),
        (EMPLOYER_B, w1),
        (EMPLOYER_C, w1),
        (EMPLOYER_A, w2),
    ):
        card = tracker_card(page, employer.title, monday)
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Envoyée")
        expect(card).to_contain_text(f"{employer.organisation} · {employer.place.name}")
        expect(
            card.get_by_role("button", name=f"Retirer la candidature {employer.title}")
        ).to_be_visible()
    expect(page.get_by_text("Envoyée", exact=True)).to_have_count(4)
    assert_accessible(page, "apply-05-tracker-sent")
    screenshot(page, "apply-05-tracker-sent")
    journey.done.add("applied")


def test_03_employer_a_opens_and_accepts_the_week_1_application(journey: Journey):
    journey.after("applied")
    page = journey.page_for("employer_a")
    w1, w2 = journey.world.week1, journey.world.week2
    login(page, EMPLOYER_A.email)
    expect(page).to_have_url(url("/employeur"))
    page.goto("/employeur/candidatures")
    expect(page.get_by_role("heading", level=1, name="Candidatures reçues")).to_be_visible()
    expect(
        page.get_by_text("2 nouvelles candidatures · 2 en attente de votre réponse")
    ).to_be_visible()
    offer = page.locator(".rt-Card").filter(
        has=page.get_by_role("heading", level=2, name=EMPLOYER_A.title)
    )
    expect(offer.get_by_role("heading", level=3)).to_have_text([week_name(w1), week_name(w2)])
    # the pupil's application under the week-1 heading (the same pupil applied for week 2 too)
    week1_rows = offer.locator(
        f"xpath=.//h3[normalize-space()='{week_name(w1)}']/ancestor::div[1]"
        "/following-sibling::ul[1]"
    )
    row = week1_rows.get_by_role(
        "link", name=re.compile(rf"Candidature de {PUPIL_NAME}, .*\(Nouvelle\)")
    )
    expect(row).to_be_visible()
    expect(week1_rows).to_contain_text(SCHOOL)
    screenshot(page, "apply-06-employer-inbox")
    row.click()

    expect(page).to_have_url(url("/employeur/candidature", r"\?id=\d+"))
    expect(
        page.get_by_role("heading", level=1, name=f"Candidature de {PUPIL_NAME}")
    ).to_be_visible()
    summary = page.locator("dl")
    expect(summary).to_contain_text(week_label(w1))
    expect(summary).to_contain_text("Lue")  # opening it marked it read
    expect(page.get_by_text(LETTERS["A"].splitlines()[1])).to_be_visible()
    expect(page.get_by_text(CV_ABOUT)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=CV_INTERESTS[2])).to_be_visible()
    assert_accessible(page, "apply-07-employer-application")
    screenshot(page, "apply-07-employer-application")

    page.locator("#reponse-accepter").fill(ACCEPT_MESSAGE)
    page.get_by_role("button", name="Accepter la candidature").click()
    expect(
        page.get_by_text(
            f"Vous avez accepté la candidature de {PUPIL_NAME} pour la semaine {week_label(w1)}",
            exact=False,
        )
    ).to_be_visible()
    expect(summary).to_contain_text("Acceptée")
    expect(summary).to_contain_text(ACCEPT_MESSAGE)
    expect(page.get_by_role("button", name="Accepter la candidature")).to_have_count(0)
    expect(page.get_by_role("button", name="Annuler le stage")).to_be_visible()
    assert_accessible(page, "apply-08-employer-accepted")
    screenshot(page, "apply-08-employer-accepted")

    # back in the inbox: week 1 has one seat left, week 2 still waits for an answer
    page.get_by_role("link", name="← Candidatures reçues").click()
    expect(page).to_have_url(url("/employeur/candidatures"))
    expect(
        page.get_by_text("1 nouvelle candidature · 1 en attente de votre réponse")
    ).to_be_visible()
    expect(
        week1_rows.get_by_role(
            "link", name=re.compile(rf"Candidature de {PUPIL_NAME}, .*\(Acceptée\)")
        )
    ).to_be_visible()
    screenshot(page, "apply-09-employer-inbox-after")
    journey.done.add("accepted")


def test_04_pupil_tracker_shows_the_internship_and_the_automatic_cancellations(journey: Journey):
    journey.after("accepted")
    page = journey.page_for("pupil")
    w1, w2 = journey.world.week1, journey.world.week2
    page.reload()
    expect(page).to_have_url(url("/eleve/candidatures"))
    year = school_year_label(school_year_of(paris_today()))
    expect(
        page.get_by_role("heading", level=2, name=f"Mes stages {year} : 1 stage sur 2")
    ).to_be_visible()

    internship = page.locator(".rt-Card").filter(
        has=page.get_by_role("heading", level=3, name=EMPLOYER_A.title)
    )
    expect(internship).to_have_count(1)
    expect(internship).to_contain_text(f"Semaine {week_label(w1)}")
    expect(internship).to_contain_text(
        f"{EMPLOYER_A.organisation} · {EMPLOYER_A.street}, {EMPLOYER_A.place.postal_code} "
        f"{EMPLOYER_A.place.name}"
    )
    expect(internship).to_contain_text(f"Tuteur ou tutrice : {', '.join(EMPLOYER_A.tutor)}")
    expect(internship).to_contain_text(EMPLOYER_A.email)
    expect(internship).to_contain_text(ACCEPT_MESSAGE)

    accepted = tracker_card(page, EMPLOYER_A.title, w1)
    expect(accepted).to_contain_text("Acceptée")
    expect(accepted).to_contain_text(f"Réponse : {ACCEPT_MESSAGE}")
    reason = AUTO_REASON.format(week=week_label(w1))
    for employer in (EMPLOYER_B, EMPLOYER_C):
        card = tracker_card(page, employer.title, w1)
        expect(card).to_contain_text("Annulée automatiquement")
        expect(card).to_contain_text(reason)
        expect(card.get_by_role("button")).to_have_count(0)  # nothing left to withdraw
    pending = tracker_card(page, EMPLOYER_A.title, w2)
    expect(pending).to_contain_text(re.compile("Envoyée|Lue par l'employeur"))
    expect(pending).not_to_contain_text("Annulée")
    expect(
        pending.get_by_role("button", name=f"Retirer la candidature {EMPLOYER_A.title}")
    ).to_be_visible()
    expect(page.get_by_text("Annulée automatiquement", exact=True)).to_have_count(2)
    assert_accessible(page, "apply-10-tracker-answered")
    screenshot(page, "apply-10-tracker-answered")

    # the offer page of B now says why week 1 is closed to the pupil
    page.goto(f"/eleve/offre?id={journey.world.offer_ids['B']}")
    expect(page.get_by_role("heading", level=1, name=EMPLOYER_B.title)).to_be_visible()
    expect(page.get_by_role("link", name="Voir ma candidature")).to_be_visible()
    screenshot(page, "apply-11-offer-b-after")
    journey.done.add("tracker")


def test_05_after_the_internship_is_cancelled_the_pupil_applies_again(journey, e2e_engine):
    """The internship that cancelled B's application (R5) is cancelled: B's offer page offers
    "Postuler à nouveau" for week 1, on a desktop and on a phone; the letter written before is
    there to be sent again."""
    journey.after("tracker")
    w1 = journey.world.week1
    with Session(e2e_engine) as s:
        pupil = s.exec(select(User).where(User.email == journey.world.pupil_email)).one()
        accepted = s.exec(
            select(Application).where(
                Application.student_id == pupil.id, Application.status == "accepted"
            )
        ).one()
        apps.cancel_accepted(
            s, Viewer.of(pupil), accepted.id, "Ma famille déménage cette semaine-là."
        )
    offer_b = f"/eleve/offre?id={journey.world.offer_ids['B']}"
    phone = journey.browser.new_context(**{**journey.context_args, **PHONE_CONTEXT_ARGS})
    journey.contexts.append(phone)
    phone_page = phone.new_page()
    login(phone_page, journey.world.pupil_email)
    expect(phone_page).to_have_url(url("/eleve"))
    for page, name in ((journey.page_for("pupil"), "desktop"), (phone_page, "phone")):
        page.goto(offer_b)
        expect(page.get_by_role("heading", level=1, name=EMPLOYER_B.title)).to_be_visible()
        again = page.get_by_role("button", name=f"Postuler à nouveau pour la {week_name(w1)}")
        expect(again).to_be_visible()
        assert_accessible(page, f"apply-12-offer-b-again-{name}")
        screenshot(page, f"apply-12-offer-b-again-{name}")
    page = journey.page_for("pupil")
    page.get_by_role("button", name=f"Postuler à nouveau pour la {week_name(w1)}").click()
    expect(page).to_have_url(url("/eleve/candidature", r"\?id=\d+"))
    letter = page.get_by_label("Ma lettre de motivation pour cette offre")
    expect(letter).to_have_value(LETTERS["B"])
    page.get_by_role("button", name="Relire avant d'envoyer").click()
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(
        page.get_by_text(f"Votre candidature est envoyée à {EMPLOYER_B.organisation}.", exact=False)
    ).to_be_visible()
    screenshot(page, "apply-13-offer-b-sent-again")
