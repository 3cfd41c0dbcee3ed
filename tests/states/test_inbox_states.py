"""The employer's inbox and one application through their state handlers: opening an application
marks it read, the employer accepts (optional message), refuses (message required, ready-made
reasons) or cancels after acceptance (reason required); another employer, a pupil, a teacher or
an anonymous visitor gets nothing, whatever id or form they forge, and nothing of another
organisation reaches the browser."""

from __future__ import annotations

import dataclasses

import pytest

from stages_app.models import Application
from stages_app.services import accounts
from stages_app.services import applications as apps
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.states.base import GENERIC_ERROR
from stages_app.states.inbox import (
    ApplicationReviewState,
    InboxState,
    cv_filename,
    fr_moment,
    group_views,
)
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    FORGED_IDS,
    LOGIN_PREFIX,
    assert_nothing_private,
    browser_text,
    refused,
    unchanged,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2

INBOX = "/employeur/candidatures"
NOT_FOUND = "Cette candidature est introuvable."
HTML_LETTER = (
    "Madame, Monsieur,\n\n<b>Je suis en 3e</b> <script>alert('x')</script> et votre "
    "métier m'intéresse beaucoup.\n\nMerci de votre attention."
)
# what belongs to the other organisation and must never reach our pages
SECRETS = (
    "Atelier secret de Mme Roux",
    "Lettre confidentielle pour la pâtisserie Roux",
    "Pâtisserie Roux",
)


def _page(app_id) -> str:
    return f"/employeur/candidature?id={app_id}"


@dataclasses.dataclass
class Desk:
    me: Viewer
    tokens: dict[str, str]
    new: int  # Inès → our offer, week 1 (letter with HTML)
    second: int  # Lucas → our offer, week 1
    later: int  # Lucas → our offer, week 2
    draft: int  # a draft to our offer: never the employer's
    theirs: int  # an application to the other employer
    rival_pupil_last_name: str
    rival_email: str


@pytest.fixture
def desk(db_session) -> Desk:
    w = ah.world(db_session)
    me = oh.employer(db_session, "Boulangerie du Canal")
    rival = oh.employer(db_session, SECRETS[2])
    _, mine = ah.offer(db_session, w, me, weeks=((W1, 2), (W2, 1)), title="Découverte du fournil")
    _, theirs = ah.offer(db_session, w, rival, title=SECRETS[0])
    ines, lucas, other, drafter = (ah.pupil(db_session, w) for _ in range(4))
    desk = Desk(
        me=me,
        tokens={},
        new=ah.submitted(db_session, ines, mine, W1, HTML_LETTER),
        second=ah.submitted(db_session, lucas, mine, W1),
        later=ah.submitted(db_session, lucas, mine, W2),
        draft=ah.draft(db_session, drafter, mine, W1),
        theirs=ah.submitted(db_session, other, theirs, W1, SECRETS[1] + " : " + ah.LETTER),
        rival_pupil_last_name=other.last_name,
        rival_email=rival.email,
    )
    teacher = oh.staff(db_session, w.school)
    for key, viewer in (("me", me), ("rival", rival), ("pupil", ines), ("teacher", teacher)):
        desk.tokens[key] = accounts.open_session(db_session, viewer.user_id)
    return desk


def _forbidden(d: Desk) -> tuple[str, ...]:
    return SECRETS + (d.rival_pupil_last_name, d.rival_email)


def _opened(token: str, app_id) -> ApplicationReviewState:
    state = make_state(ApplicationReviewState, _page(app_id), token)
    assert call(state, ApplicationReviewState.load) is None
    return state


# ---------------------------------------------------------------------------------------------
# The inbox
# ---------------------------------------------------------------------------------------------


def test_inbox_groups_applications_per_offer_and_week_with_counts(db_session, desk):
    state = make_state(InboxState, INBOX, desk.tokens["me"])
    assert call(state, InboxState.load) is None
    assert state.error == "" and state.loaded and state.organisation == "Boulangerie du Canal"
    assert state.total == 3 and state.shown == 3
    assert state.summary == "3 nouvelles candidatures · 3 en attente de votre réponse"
    [offer] = state.offers
    assert offer.offer_title == "Découverte du fournil"
    w1, w2 = offer.weeks
    assert w1.week_label == f"Semaine {week_label(W1)}"
    assert w1.counts == "2 candidatures : 2 nouvelles, 2 en attente de réponse"
    assert (w1.seats, w1.full) == ("2 places libres sur 2", False)
    assert [r.application_id for r in w1.rows] == [desk.second, desk.new]  # newest first
    assert [r.application_id for r in w2.rows] == [desk.later]
    row = w1.rows[1]
    assert row.pupil_name.startswith("Inès ") and row.school_line.startswith("3e ")
    assert row.school_line.endswith("· Collège République")
    assert (row.status, row.status_label, row.tone, row.is_new) == (
        "submitted",
        "Nouvelle",
        "info",
        True,
    )
    assert row.url == _page(desk.new) and row.received.startswith("Reçue le ")
    assert desk.draft not in {r.application_id for w in offer.weeks for r in w.rows}
    assert "datetime" not in browser_text(state)  # dates reach the browser as French labels
    assert_nothing_private(state, db_session, forbidden=_forbidden(desk))


def test_the_status_filter(db_session, desk):
    apps.accept(db_session, desk.me, desk.later)
    state = make_state(InboxState, INBOX, desk.tokens["me"])
    call(state, InboxState.load)
    result = call(state, InboxState.apply_filter, {"status": "accepted"})
    assert redirect_target(result) is None and result is not None  # the filter in the address
    assert state.status_filter == "accepted" and state.filter_label == "Acceptées"
    assert state.shown == 1 and [w.week_label for w in state.offers[0].weeks] == [
        f"Semaine {week_label(W2)}"
    ]
    assert state.offers[0].weeks[0].seats == "Complet : 1 place prise sur 1"
    call(state, InboxState.apply_filter, {"status": "submitted"})
    assert state.shown == 2 and {r.application_id for r in state.offers[0].weeks[0].rows} == {
        desk.new,
        desk.second,
    }
    call(state, InboxState.apply_filter, {"status": "refused"})
    assert state.shown == 0 and state.offers == [] and state.total == 3
    # forged filters show everything, never an error
    with unchanged(db_session):
        for form in (
            {"status": "hack"},
            {"status": ["open"]},
            {"status": None},
            None,
            [1],
            "x",
            {"status": "draft"},
            {},
        ):
            call(state, InboxState.apply_filter, form)
            assert state.error == "" and state.status_filter == "" and state.shown == 3, form
    for query, expected in (
        ("?statut=open", "open"),
        ("?statut=<script>", ""),
        ("?statut=draft", ""),
    ):
        state = make_state(InboxState, INBOX + query, desk.tokens["me"])
        call(state, InboxState.load)
        assert state.status_filter == expected and state.error == ""


def test_an_employer_without_applications_sees_an_empty_inbox(db_session, desk):
    lonely = oh.employer(db_session, "Fleuriste des Lilas")
    state = make_state(InboxState, INBOX, accounts.open_session(db_session, lonely.user_id))
    call(state, InboxState.load)
    assert state.error == "" and state.loaded and state.total == 0 and state.offers == []
    assert_nothing_private(state, db_session, forbidden=_forbidden(desk))


# ---------------------------------------------------------------------------------------------
# One application
# ---------------------------------------------------------------------------------------------


def test_opening_an_application_marks_it_read_and_shows_what_was_sent(db_session, desk):
    assert ah.status(db_session, desk.new) == "submitted"
    state = _opened(desk.tokens["me"], desk.new)
    assert state.error == "" and state.found
    assert ah.status(db_session, desk.new) == "read"
    v = state.review
    assert (v.status, v.status_label, v.tone) == ("read", "Lue", "info")
    assert v.pupil_first_name == "Inès" and v.class_name.startswith("3e ")
    assert v.school_name == "Collège République (Bobigny)"
    assert v.offer_title == "Découverte du fournil" and v.week_label == week_label(W1)
    assert state.pupil_name == f"{v.pupil_first_name} {v.pupil_last_name}"
    assert state.title == f"Candidature d'{state.pupil_name}"  # Inès: elided
    sent = db_session.get(Application, desk.new).letter_sent
    assert v.letter == sent and "<script>alert('x')</script>" in v.letter  # as sent, as text
    assert [s.label for s in v.cv] == [
        "À propos de moi",
        "Ma scolarité",
        "Mes centres d'intérêt et activités",
        "Mes qualités et compétences",
        "Langues",
        "Mes expériences",
    ]
    assert v.cv[0].text == ah.CV["about"] and v.cv[2].lines == ah.CV["interests"]
    assert [(h.label, h.actor) for h in v.history] == [("Nouvelle", "L'élève"), ("Lue", "Vous")]
    assert v.submitted and v.read and v.seats == "2 places libres sur 2 cette semaine"
    assert v.can_accept and v.can_refuse and not v.can_cancel
    assert len(state.refusal_choices) == len(apps.REFUSAL_TEMPLATES)
    assert "datetime" not in browser_text(state)
    assert_nothing_private(state, db_session, forbidden=_forbidden(desk))
    # the pupil sees "Lue par l'employeur"; the inbox counts it as no longer new
    inbox = make_state(InboxState, INBOX, desk.tokens["me"])
    call(inbox, InboxState.load)
    row = next(r for r in inbox.offers[0].weeks[0].rows if r.application_id == desk.new)
    assert (row.status_label, row.is_new) == ("Lue", False)
    assert inbox.summary.startswith("2 nouvelles candidatures")
    # opening again changes nothing
    with unchanged(db_session):
        _opened(desk.tokens["me"], desk.new)


def test_accept_with_a_message_then_cancel_with_a_reason(db_session, desk):
    state = _opened(desk.tokens["me"], desk.second)
    version = state.forms_version
    assert (
        call(
            state,
            ApplicationReviewState.accept,
            {"message": "Rendez-vous lundi à 9 h à l'accueil du fournil."},
        )
        is None
    )
    assert state.error == ""
    assert state.message.startswith("Vous avez accepté la candidature")
    assert state.message.endswith("L'élève et son professeur principal sont prévenus.")
    assert ah.status(db_session, desk.second) == "accepted"
    v = state.review
    assert (v.status, v.status_label, v.tone) == ("accepted", "Acceptée", "success")
    assert v.answer_message == "Rendez-vous lundi à 9 h à l'accueil du fournil."
    assert not v.can_accept and not v.can_refuse and v.can_cancel and v.answered
    assert v.seats == "1 place libre sur 2 cette semaine"
    assert state.forms_version > version  # the forms are emptied

    # cancelling needs a reason
    with unchanged(db_session):
        for form in ({"reason": ""}, {"reason": "Non"}, {"reason": ["Une raison"]}, None, "x"):
            assert call(state, ApplicationReviewState.cancel, form) is None
            assert state.error.startswith("Le motif de l'annulation est obligatoire"), form
            assert state.message == "" and state.review.can_cancel
    call(
        state,
        ApplicationReviewState.cancel,
        {"reason": "Notre atelier ferme pour travaux cette semaine-là."},
    )
    assert state.error == "" and state.message.startswith("Le stage est annulé")
    assert ah.status(db_session, desk.second) == "cancelled"
    assert state.review.status_label == "Annulée" and not state.review.can_cancel
    assert state.review.reason == (
        "Annulé par l'employeur : Notre atelier ferme pour travaux cette semaine-là."
    )
    assert state.review.seats == "2 places libres sur 2 cette semaine"


def test_accepting_updates_the_inbox_counts(db_session, desk):
    state = _opened(desk.tokens["me"], desk.second)
    call(state, ApplicationReviewState.accept, {"message": ""})
    assert state.error == "" and ah.status(db_session, desk.second) == "accepted"
    assert state.review.answer_message == ""
    assert ah.status(db_session, desk.later) == "submitted"  # Lucas's other week: still open
    inbox = make_state(InboxState, INBOX, desk.tokens["me"])
    call(inbox, InboxState.load)
    w1, w2 = inbox.offers[0].weeks
    assert w1.counts == "2 candidatures : 1 nouvelle, 1 en attente de réponse"
    assert w1.seats == "1 place libre sur 2"
    assert w2.counts == "1 candidature : 1 nouvelle, 1 en attente de réponse"
    assert inbox.summary == "2 nouvelles candidatures · 2 en attente de votre réponse"


def test_refusal_needs_a_message_and_ready_made_reasons_fill_it(db_session, desk):
    state = _opened(desk.tokens["me"], desk.new)
    with unchanged(db_session):
        for form in (
            {"message": ""},
            {"message": "   "},
            {"message": "Non merci"},
            {"message": ["Un long message de refus"]},
            {"message": None},
            {},
            None,
            ["message"],
            42,
        ):
            assert call(state, ApplicationReviewState.refuse, form) is None
            assert state.error == (
                "Le message à l'élève est obligatoire (10 caractères au "
                "moins) : il sera transmis tel quel."
            ), form
            assert state.error_field == "message" and state.message == ""
            assert state.found and state.review.status == "read" and state.review.can_refuse
        call(state, ApplicationReviewState.refuse, {"message": "x" * 2001})
        assert state.error.startswith("Le message à l'élève est trop long (2001 caractères")
        # the ready-made reasons only fill the text area
        version = state.refusal_version
        call(state, ApplicationReviewState.choose_refusal_template, "2")
        assert state.refusal_message == apps.REFUSAL_TEMPLATES[1]
        assert state.refusal_version == version + 1
        for bad in ("0", "99", "", None, ["1"], {"n": 1}, "abc", -1, True, 2**80):
            call(state, ApplicationReviewState.choose_refusal_template, bad)
            assert state.refusal_message == apps.REFUSAL_TEMPLATES[1], bad
    assert ah.status(db_session, desk.new) == "read"

    call(state, ApplicationReviewState.refuse, {"message": state.refusal_message})
    assert state.error == "" and state.message.startswith("Vous avez refusé la candidature")
    assert ah.status(db_session, desk.new) == "refused"
    v = state.review
    assert (v.status_label, v.tone, v.answer_message) == (
        "Refusée",
        "danger",
        apps.REFUSAL_TEMPLATES[1],
    )
    assert not v.can_accept and not v.can_refuse and not v.can_cancel
    assert state.refusal_message == ""
    # answering again: a French error, and the page shows the application as it is
    with unchanged(db_session):
        call(state, ApplicationReviewState.accept, {"message": ""})
        assert state.error.startswith("Cette candidature a déjà été refusée.")
        assert state.found and state.review.status == "refused" and state.message == ""


def test_an_answer_given_meanwhile_shows_the_new_situation(db_session, desk):
    state = _opened(desk.tokens["me"], desk.new)
    assert state.review.can_accept
    # the same employer, in another tab, refuses it
    apps.refuse(db_session, desk.me, desk.new, apps.REFUSAL_TEMPLATES[0])
    call(state, ApplicationReviewState.accept, {"message": "Bienvenue !"})
    assert "déjà été refusée" in state.error and state.message == ""
    assert state.review.status == "refused" and not state.review.can_accept


def test_download_the_cv_as_sent(db_session, desk):
    state = _opened(desk.tokens["me"], desk.new)
    with unchanged(db_session):
        result = call(state, ApplicationReviewState.download_cv)
    assert state.error == "" and result is not None and redirect_target(result) is None
    text = repr(result)
    assert (
        "download" in text
        and cv_filename(state.review.pupil_first_name, state.review.pupil_last_name) in text
    )
    assert cv_filename("Inès", "Élève 12") == "CV-ines-eleve-12.pdf"
    assert cv_filename("", "") == "CV.pdf"


def test_french_labels():
    import datetime as dt

    group = apps.InboxGroup(
        1,
        "Fournil",
        W1,
        week_label(W1),
        seats=2,
        accepted=2,
        free_seats=0,
        new_count=0,
        waiting_count=0,
        total=3,
    )
    assert group_views([group], [], keep_empty=True)[0].weeks[0].counts == (
        "3 candidatures, aucune en attente de réponse"
    )
    assert group_views([group], [], keep_empty=True)[0].weeks[0].seats == (
        "Complet : 2 places prises sur 2"
    )
    assert group_views([group], [], keep_empty=False) == []
    group = dataclasses.replace(group, accepted=0, free_seats=2, waiting_count=2, total=2)
    assert group_views([group], [], keep_empty=True)[0].weeks[0].counts == (
        "2 candidatures : 2 en attente de réponse"
    )
    assert fr_moment(dt.datetime(2027, 3, 1, 13, 5, tzinfo=dt.UTC)) == (
        "1 mars 2027 à 14\u00a0h\u00a005"
    )
    assert fr_moment(dt.datetime(2027, 7, 1, 8, 0)) == "1 juillet 2027 à 10\u00a0h\u00a000"
    assert fr_moment(None) == ""


# ---------------------------------------------------------------------------------------------
# Attackers: other employer, other roles, forged ids
# ---------------------------------------------------------------------------------------------

ANSWERS = [
    (ApplicationReviewState.accept, ({"message": "Bienvenue !"},)),
    (ApplicationReviewState.refuse, ({"message": apps.REFUSAL_TEMPLATES[0]},)),
    (ApplicationReviewState.cancel, ({"reason": "Une raison valable."},)),
    (ApplicationReviewState.download_cv, ()),
]


def _empty(state: ApplicationReviewState) -> bool:
    return (
        not state.found
        and state.review.letter == ""
        and state.review.pupil_last_name == ""
        and state.review.cv == []
        and state.review.history == []
    )


def test_another_employer_gets_nothing_on_every_handler(db_session, desk):
    # accepted beforehand, so that "cancel" has something to act on
    apps.accept(db_session, desk.me, desk.later)
    for app_id in (desk.new, desk.later):
        with unchanged(db_session):
            state = _opened(desk.tokens["rival"], app_id)
            assert state.error == NOT_FOUND and _empty(state)
            for handler, args in ANSWERS:
                state = make_state(ApplicationReviewState, _page(app_id), desk.tokens["rival"])
                call(state, ApplicationReviewState.load)
                assert call(state, handler, *args) is None
                assert state.error == NOT_FOUND and state.message == "" and _empty(state)
    # a stale page of ours, used with the rival's token: refused, and the detail is cleared
    for app_id in (desk.new, desk.later):
        for handler, args in ANSWERS:
            state = _opened(desk.tokens["me"], app_id)
            assert state.found
            with unchanged(db_session):
                state.token = desk.tokens["rival"]
                assert call(state, handler, *args) is None
                assert state.error == NOT_FOUND and state.message == "" and _empty(state)
                assert_nothing_private(state, db_session, forbidden=_forbidden(desk))
    # the rival's own inbox holds only their application
    inbox = make_state(InboxState, INBOX, desk.tokens["rival"])
    call(inbox, InboxState.load)
    assert [r.application_id for o in inbox.offers for w in o.weeks for r in w.rows] == [
        desk.theirs
    ]


def test_other_roles_and_anonymous_are_sent_away_from_every_handler(db_session, desk):
    with unchanged(db_session):
        for who in ("pupil", "teacher", "anonymous", "expired"):
            token = {"anonymous": "", "expired": "not-a-token"}.get(who, desk.tokens.get(who))
            expected = FORBIDDEN if who in ("pupil", "teacher") else LOGIN_PREFIX
            for handler, args in [(ApplicationReviewState.load, ()), *ANSWERS]:
                state = make_state(ApplicationReviewState, _page(desk.new), token)
                result = call(state, handler, *args)
                assert (redirect_target(result) or "").startswith(expected), (who, handler)
                assert _empty(state) and state.message == ""
            for handler, args in [
                (InboxState.load, ()),
                (InboxState.apply_filter, ({"status": "open"},)),
            ]:
                state = make_state(InboxState, INBOX, token)
                result = call(state, handler, *args)
                assert (redirect_target(result) or "").startswith(expected), (who, handler)
                assert state.offers == [] and state.total == 0 and state.organisation == ""
    assert ah.status(db_session, desk.new) == "submitted"  # nobody opened it


def test_forged_application_ids_give_a_french_error_and_change_nothing(db_session, desk):
    queries = [f"?id={v}" for v in FORGED_IDS] + [
        "",
        "?id=",
        f"?id={2**80}",
        f"?id={2**31}",
        f"?id={desk.theirs}",
        f"?id={desk.draft}",
        "?id=999999",
        "?id=1%20OR%201=1",
        f"?id={desk.new}abc",
        "?id=0x10",
        "?id=%00",
    ]
    with unchanged(db_session):
        for query in queries:
            state = make_state(
                ApplicationReviewState, "/employeur/candidature" + query, desk.tokens["me"]
            )
            assert call(state, ApplicationReviewState.load) is None, query
            assert state.error == NOT_FOUND and _empty(state), query
            for handler, args in ANSWERS:
                result = call(state, handler, *args)
                assert result is None and refused(result, state), (query, handler)
                assert state.error == NOT_FOUND and state.error != GENERIC_ERROR
                assert _empty(state)
            assert_nothing_private(state, db_session, forbidden=_forbidden(desk))
    assert ah.status(db_session, desk.theirs) == "submitted"
    assert ah.status(db_session, desk.draft) == "draft"
