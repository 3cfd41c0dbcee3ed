"""Each role logs in through the real login page, lands on its home, is guarded, logs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible, screenshot
from tests.e2e.people import PASSWORD, create_people

pytestmark = pytest.mark.e2e

HOMES = {
    "principal": ("/etablissement", "Tableau de bord du collège"),
    "teacher": ("/etablissement", "Tableau de bord du collège"),
    "staff": ("/etablissement", "Tableau de bord du collège"),
    "student": ("/eleve", "Mon espace élève"),
    "student_waiting": ("/eleve", "Mon espace élève"),
    "employer": ("/employeur", "Mes offres de stage"),
    "admin": ("/admin", "Administration de la plateforme"),
}


@pytest.fixture(scope="module")
def people(e2e_app, e2e_engine):
    return create_people(e2e_engine)


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_logs_in_to_its_home(page: Page, people, role):
    path, heading = HOMES[role]
    login(page, people[role])
    expect(page).to_have_url(re.compile(re.escape(path) + "/?$"))
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    if role == "student_waiting":
        expect(page.get_by_text("En attente de l'autorisation de vos parents")).to_be_visible()
    if role == "student":
        expect(page.get_by_text("Votre accès est ouvert")).to_be_visible()
    if role == "teacher":
        expect(page.get_by_role("rowheader", name="3e B")).to_be_visible()
    if role == "employer":
        expect(page.get_by_text("Boulangerie Dupont")).to_be_visible()
    assert_accessible(page, f"home-{role}")
    screenshot(page, f"home-{role}")


def test_login_page_is_accessible_and_refuses_a_wrong_password(page: Page, people):
    page.goto("/connexion")
    assert_accessible(page, "login")
    login(page, people["employer"], "pas le bon mot de passe")
    expect(page.get_by_role("alert")).to_contain_text("E-mail ou mot de passe incorrect.")
    expect(page).to_have_url(re.compile(r"/connexion"))
    screenshot(page, "login-wrong-password")


def test_anonymous_visitor_is_sent_to_login_then_back(page: Page, people):
    page.goto("/employeur")
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/employeur"))
    page.get_by_label("Adresse e-mail").fill(people["employer"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/employeur/?$"))


def test_wrong_role_gets_403_and_logout_ends_the_session(page: Page, people):
    login(page, people["student"])
    expect(page).to_have_url(re.compile(r"/eleve/?$"))
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/acces-refuse/?$"))
    expect(page.get_by_role("heading", level=1, name="Accès refusé")).to_be_visible()
    assert_accessible(page, "forbidden")
    screenshot(page, "forbidden")
    page.goto("/eleve")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/?\?deconnecte=1"))
    expect(page.get_by_text("Vous êtes déconnecté(e)")).to_be_visible()
    page.goto("/eleve")
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/eleve"))


def test_employer_signs_up_in_the_browser(page: Page, e2e_app):
    page.goto("/inscription")
    assert_accessible(page, "signup-chooser")
    page.get_by_role("link", name=re.compile("Je représente un employeur")).click()
    expect(page).to_have_url(re.compile(r"/inscription/employeur/?$"))
    page.get_by_label("Nom de l'organisme").fill("Mairie de Bobigny")
    page.get_by_label("Type d'organisme").select_option("administration")
    page.get_by_label("Prénom").fill("Jean-Luc")
    page.locator("#champ-last_name").fill("N'Diaye")
    page.get_by_label("Adresse e-mail").fill("jl.ndiaye@bobigny.example.fr")
    page.get_by_label("Mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte employeur").click()
    expect(page.get_by_role("alert")).to_contain_text("12 caractères")
    assert_accessible(page, "signup-employer-error")
    screenshot(page, "signup-employer-error")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte employeur").click()
    expect(page).to_have_url(re.compile(r"/employeur/?$"))
    expect(page.get_by_text("Mairie de Bobigny")).to_be_visible()
    expect(page.get_by_text("Vous n'avez pas encore d'offre.")).to_be_visible()
