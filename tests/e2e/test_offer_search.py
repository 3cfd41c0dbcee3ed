"""An employer publishes an offer near a collège and its pupil finds it, in Chromium (R1, R2).

One journey in ordered steps sharing module-scoped state (one browser context per person), on
the data of ``tests/e2e/search_world.py``: a REP+ collège in Vénissieux with one internship week,
its principal, one pupil with open access, and two offers already published for that week by
other employers (a stud farm in Cluny ≈ 83 km away, a brasserie in Bron within 5 km).

1. an employer signs up, writes an offer in Saint-Fons (≈ 2.5 km) in the editor while the live
   preview follows, and publishes it;
2. the pupil's default search lists the nearby offers and not the one in Cluny; the ONISEP sector
   filter narrows it to the employer's offer, which the pupil opens; the Cluny offer stays hidden
   even in its own sector;
3. the principal opens the search to the whole of France;
4. the pupil reloads the search and now sees the Cluny offer with its distance.

Each step saves ``test-artifacts/search-NN-*.png`` and checks every page it visits with axe.
A step whose predecessor failed is skipped (its failure would only repeat the first one).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from stages_app.services.calendar import week_label
from tests.e2e.helpers import Journey as BaseJourney
from tests.e2e.helpers import assert_accessible, screenshot, sign_in, url
from tests.e2e.search_world import (
    AGRICULTURE,
    BRON,
    CHEMISTRY,
    CLUNY,
    DECOY_TITLE,
    EMPLOYER,
    FAR_TITLE,
    OFFER,
    PASSWORD,
    SAINT_FONS,
    SCHOOL,
    World,
    create_world,
    expected_distance,
)

pytestmark = pytest.mark.e2e


@dataclass(kw_only=True)
class Journey(BaseJourney):
    world: World


@pytest.fixture(scope="module")
def journey(e2e_app, e2e_engine, browser, browser_context_args):
    j = Journey(browser=browser, context_args=browser_context_args, world=create_world(e2e_engine))
    yield j
    j.close()


login = functools.partial(sign_in, password=PASSWORD)


def card(page: Page, title: str):
    """The result card whose title links to the offer."""
    return page.locator(".rt-Card").filter(has=page.get_by_role("link", name=title, exact=True))


def search(page: Page, *sectors: str) -> None:
    """Tick exactly these ONISEP sectors in the filter form, then submit it."""
    details = page.locator("details").filter(has_text="Secteurs d'activité (ONISEP)")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    boxes = details.get_by_role("checkbox")
    expect(boxes.first).to_be_visible()
    for i in range(boxes.count()):
        box = boxes.nth(i)
        wanted = box.evaluate("b => b.labels[0].textContent") in sectors
        if box.is_checked() != wanted:
            box.set_checked(wanted)
    for name in sectors:
        expect(details.get_by_role("checkbox", name=name, exact=True)).to_be_checked()
    page.get_by_role("button", name="Rechercher").click()


def test_01_employer_signs_up_and_publishes_an_offer_near_the_college(journey: Journey):
    page = journey.page_for("employer")
    week = journey.world.week
    page.goto("/inscription/employeur")
    expect(page.get_by_role("heading", level=1, name="Inscription employeur")).to_be_visible()
    page.get_by_label("Nom de l'organisme").fill(EMPLOYER["organisation"])
    page.get_by_label("Type d'organisme").select_option("entreprise")
    page.get_by_label("Numéro SIRET").fill(EMPLOYER["siret"])
    page.get_by_label("Prénom").fill(EMPLOYER["first_name"])
    page.locator("#champ-last_name").fill(EMPLOYER["last_name"])
    page.get_by_label("Téléphone").fill(EMPLOYER["phone"])
    page.get_by_label("Adresse e-mail").fill(EMPLOYER["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    assert_accessible(page, "search-01-employer-signup")
    screenshot(page, "search-01-employer-signup")
    page.get_by_role("button", name="Créer mon compte employeur").click()

    expect(page).to_have_url(url("/employeur"))
    expect(page.get_by_role("heading", level=1, name="Mes offres de stage")).to_be_visible()
    expect(page.get_by_text(EMPLOYER["organisation"])).to_be_visible()
    expect(page.get_by_text("Vous n'avez pas encore d'offre.")).to_be_visible()
    assert_accessible(page, "search-02-employer-home")
    page.get_by_role("button", name="Proposer une nouvelle offre").click()

    expect(page).to_have_url(url("/employeur/offre"))
    expect(page.get_by_role("heading", level=1, name="Offre de stage")).to_be_visible()
    preview = page.locator(".rt-Card").filter(
        has=page.get_by_role("link", name=OFFER["title"], exact=True)
    )
    page.get_by_label("Titre de l'offre").fill(OFFER["title"])
    expect(preview).to_be_visible()  # the live preview follows the typed title
    page.get_by_label("Description").fill(OFFER["description"])
    expect(preview).to_contain_text("préparation d'échantillons")
    sector, _url = CHEMISTRY
    page.get_by_label("Secteur d'activité (ONISEP)").select_option(label=sector)
    expect(preview).to_contain_text(f"Secteur : {sector}")
    page.get_by_label("Adresse (numéro et rue)").fill(OFFER["street"])
    page.get_by_label("Code postal").fill(SAINT_FONS.postal_code)
    commune = page.get_by_label("Commune")
    expect(commune.locator("option", has_text=SAINT_FONS.name)).to_be_attached()
    commune.select_option(label=SAINT_FONS.name)
    expect(preview).to_contain_text(f"{SAINT_FONS.name} ({SAINT_FONS.postal_code})")
    page.get_by_label("Un jour de la semaine à ajouter").fill(week.isoformat())
    page.get_by_role("button", name="Ajouter la semaine").click()
    remove = page.get_by_role("button", name=f"Retirer la semaine {week_label(week)}")
    expect(remove).to_be_visible()
    expect(preview).to_contain_text(f"Semaine {week_label(week)} : 1 place")
    page.get_by_label("Tuteur ou tutrice : nom").fill(OFFER["tutor_name"])
    page.get_by_label("Tuteur ou tutrice : fonction").fill(OFFER["tutor_role"])
    page.get_by_label("Tuteur ou tutrice : fonction").blur()
    expect(page.get_by_text("Aperçu pour les élèves")).to_be_visible()
    expect(preview).to_contain_text(EMPLOYER["organisation"])
    assert_accessible(page, "search-03-offer-editor")
    screenshot(page, "search-03-offer-editor")

    page.get_by_role("button", name="Enregistrer et publier").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Offre publiée : les élèves des collèges proches peuvent la voir."
    )
    expect(page.get_by_text("Publiée", exact=True)).to_be_visible()
    assert_accessible(page, "search-04-offer-published")
    screenshot(page, "search-04-offer-published")

    page.get_by_role("link", name="← Mes offres").click()
    expect(page).to_have_url(url("/employeur"))
    row = page.locator(".rt-Card").filter(has=page.get_by_role("link", name=OFFER["title"]))
    expect(row).to_contain_text("Publiée")
    expect(row).to_contain_text(f"{SAINT_FONS.name} ({SAINT_FONS.postal_code}) · {sector}")
    screenshot(page, "search-05-employer-offers")
    journey.done.add("published")


def test_02_pupil_finds_the_offer_with_the_sector_filter(journey: Journey):
    journey.after("published")
    page = journey.page_for("pupil")
    login(page, journey.world.pupil_email)
    expect(page).to_have_url(url("/eleve"))
    expect(page.get_by_role("heading", name="Votre accès est ouvert")).to_be_visible()
    page.goto("/eleve/offres")
    expect(page).to_have_url(url("/eleve/offres"))
    expect(page.get_by_role("heading", level=1, name="Rechercher un stage")).to_be_visible()
    expect(
        page.get_by_text(f"Offres pour les élèves du {SCHOOL}, à moins de 60 km du collège")
    ).to_be_visible()

    # Default search: the school's weeks within 60 km; Cluny (≈ 83 km) is out of reach.
    near = card(page, OFFER["title"])
    expect(near).to_be_visible()
    expect(near).to_contain_text(expected_distance(SAINT_FONS))
    expect(card(page, DECOY_TITLE)).to_contain_text(expected_distance(BRON))
    expect(card(page, FAR_TITLE)).to_have_count(0)
    assert_accessible(page, "search-06-pupil-default")
    screenshot(page, "search-06-pupil-default")

    # The sector filter keeps the employer's offer only.
    sector, onisep = CHEMISTRY
    search(page, sector)
    expect(page.get_by_role("heading", level=2, name="1 offre(s) trouvée(s)")).to_be_visible()
    sectors = page.locator("details").filter(has_text="Secteurs d'activité (ONISEP)")
    expect(sectors).to_have_attribute("open", "")  # the form shows the filter applied
    expect(sectors.get_by_role("checkbox", name=sector, exact=True)).to_be_checked()
    expect(card(page, DECOY_TITLE)).to_have_count(0)
    expect(near).to_be_visible()
    expect(near).to_contain_text(expected_distance(SAINT_FONS))
    expect(near).to_contain_text(
        f"{EMPLOYER['organisation']} · {SAINT_FONS.name} ({SAINT_FONS.postal_code})"
    )
    expect(near).to_contain_text(f"Secteur : {sector}")
    expect(near.get_by_role("link", name="les métiers sur le site de l'ONISEP")).to_have_attribute(
        "href", onisep
    )
    expect(near).to_contain_text(f"Semaine {week_label(journey.world.week)} : 1 place")
    expect(card(page, FAR_TITLE)).to_have_count(0)
    assert_accessible(page, "search-07-pupil-sector")
    screenshot(page, "search-07-pupil-sector")

    near.get_by_role("link", name=OFFER["title"]).click()
    expect(page).to_have_url(re.compile(r"/eleve/offre/?\?id=\d+$"))
    expect(page.get_by_role("heading", level=1, name=OFFER["title"])).to_be_visible()
    expect(page.get_by_text(OFFER["description"])).to_be_visible()
    expect(page.get_by_text(f"Semaine {week_label(journey.world.week)} : 1 place")).to_be_visible()
    expect(page.get_by_text(f"{OFFER['tutor_name']}, {OFFER['tutor_role']}")).to_be_visible()
    expect(
        page.get_by_text(f"{OFFER['street']} {SAINT_FONS.postal_code} {SAINT_FONS.name}")
    ).to_be_visible()
    assert_accessible(page, "search-08-offer-detail")
    screenshot(page, "search-08-offer-detail")

    # Even in its own sector, the offer 83 km away is not shown (R2: 60 km by default).
    page.get_by_role("link", name="← Retour à la recherche").click()
    expect(page).to_have_url(url("/eleve/offres"))
    expect(page.get_by_role("heading", level=2, name="2 offre(s) trouvée(s)")).to_be_visible()
    # the search starts afresh, and its form says so (no stale ticked sector)
    expect(sectors).not_to_have_attribute("open", "")
    expect(page.locator(f"#secteur-{journey.world.sectors[sector]}")).not_to_be_checked()
    expect(page.get_by_label("Distance")).to_have_value("60")
    search(page, AGRICULTURE[0])
    expect(page.get_by_role("heading", level=2, name="0 offre(s) trouvée(s)")).to_be_visible()
    expect(page.get_by_text("Aucune offre ne correspond. Quelques idées :")).to_be_visible()
    expect(card(page, FAR_TITLE)).to_have_count(0)
    assert_accessible(page, "search-09-pupil-nothing-in-60-km")
    screenshot(page, "search-09-pupil-nothing-in-60-km")
    journey.done.add("found")


def test_03_principal_opens_national_search(journey: Journey):
    journey.after("found")
    page = journey.page_for("principal")
    login(page, journey.world.principal_email)
    expect(page).to_have_url(url("/etablissement"))
    page.get_by_role("link", name="Paramètres").click()
    expect(page).to_have_url(url("/etablissement/parametres"))
    expect(page.get_by_role("heading", level=1, name="Paramètres du collège")).to_be_visible()
    expect(
        page.get_by_text("Vos élèves voient les offres à moins de 60 km du collège.")
    ).to_be_visible()
    page.get_by_role("button", name="Ouvrir la recherche à toute la France").click()
    expect(page.get_by_role("status")).to_contain_text(
        "La recherche est ouverte à toute la France."
    )
    expect(page.get_by_text("Vos élèves voient les offres de toute la France")).to_be_visible()
    expect(page.get_by_role("button", name="Revenir à 60 km")).to_be_visible()
    assert_accessible(page, "search-10-national-search")
    screenshot(page, "search-10-national-search")
    journey.done.add("national")


def test_04_pupil_now_sees_the_far_offer(journey: Journey):
    journey.after("national")
    page = journey.page_for("pupil")
    page.reload()
    expect(
        page.get_by_text(f"Offres pour les élèves du {SCHOOL}, dans toute la France")
    ).to_be_visible()
    distance = page.get_by_label("Distance")
    expect(distance).to_have_value("")  # the form offers what is applied: no limit
    expect(distance.locator("option:checked")).to_have_text("Toute la France")
    far = card(page, FAR_TITLE)
    expect(far).to_be_visible()  # the default search has no distance limit any more
    expect(far).to_contain_text(expected_distance(CLUNY))
    expect(card(page, OFFER["title"])).to_be_visible()
    screenshot(page, "search-11-pupil-national-default")

    search(page, AGRICULTURE[0])
    expect(far).to_be_visible()
    expect(far).to_contain_text(expected_distance(CLUNY))
    expect(far).to_contain_text(f"Haras national de Cluny · {CLUNY.name} ({CLUNY.postal_code})")
    expect(card(page, OFFER["title"])).to_have_count(0)
    assert_accessible(page, "search-12-pupil-national-sector")
    screenshot(page, "search-12-pupil-national-sector")
