"""Which roles may open which page, and where a person lands after login."""

import pytest

from stages_app import routes

ALL_ROLES = ["principal", "teacher", "staff", "student", "employer", "admin"]


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/eleve", {"student"}),
        ("/eleve/offres", {"student"}),
        ("/etablissement", {"principal", "teacher", "staff"}),
        ("/etablissement/classes/3", {"principal", "teacher", "staff"}),
        ("/employeur", {"employer"}),
        ("/admin", {"admin"}),
    ],
)
def test_protected_pages_admit_only_their_roles(path, allowed):
    assert set(routes.roles_for(path)) == allowed
    for role in ALL_ROLES:
        assert (role in routes.roles_for(path)) == (role in allowed)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/connexion",
        "/inscription/eleve",
        "/acces-refuse",
        "/eleveur",
        "/administration-publique",
    ],
)
def test_public_pages_need_no_role(path):
    assert routes.roles_for(path) is None


def test_every_role_has_a_home_it_may_open():
    for role in ALL_ROLES:
        home = routes.home_for(role)
        assert role in routes.roles_for(home)


def test_login_next_is_kept_only_when_the_role_may_open_it():
    assert routes.safe_next("/etablissement", "teacher") == "/etablissement"
    assert routes.safe_next("/admin", "student") == "/eleve"
    assert routes.safe_next("//evil.example/x", "student") == "/eleve"
    assert routes.safe_next("https://evil.example", "employer") == "/employeur"
    assert routes.safe_next(None, "admin") == "/admin"


def test_login_url_quotes_the_next_page():
    assert routes.login_url("/eleve") == "/connexion?suite=/eleve"
    assert routes.login_url("//evil") == "/connexion"
