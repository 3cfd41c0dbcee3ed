"""The application lifecycle against a model, on random sequences of actions (Hypothesis).

A ``RuleBasedStateMachine`` drives random sequences of the public services — a pupil applies,
sends, withdraws; an employer reads, accepts, refuses; either side cancels an accepted
internship — over two pupils, three offers and three weeks of one school year with one or two
seats. A plain-Python model says, before each step, whether the action must succeed and what
every application's status is afterwards (R3–R7 written the simplest way). After every step:

* every application's status is the model's, and a refused action changed nothing;
* R3 (one internship per week), R4 (two per school year), R5 (no open application left for a
  week with an internship, nor for the year after the second one), R6 (accepted ≤ seats, the
  stored counter equals the accepted applications, the search flag agrees) and R7 (one
  application per pupil, offer and week) hold in the database, read directly;
* every application's event history is a chain from "draft" to its current status.

Runs on SQLite and on PostgreSQL. ``LIFECYCLE_EXAMPLES`` sets the number of sequences (default
40, each up to 40 steps); Hypothesis prints the shortest failing sequence when one is found.
"""

from __future__ import annotations

import collections
import dataclasses
import os

from hypothesis import HealthCheck, event, settings, target
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select
from sqlmodel import Session

from stages_app.models import Application, Offer, OfferWeek, Organisation
from stages_app.services import applications as apps
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError, NotFound
from stages_app.services.offers import is_week_searchable
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2, W3

EXAMPLES = int(os.environ.get("LIFECYCLE_EXAMPLES", "40"))
PUPILS = 2
# (weeks and seats) of each offer: weeks shared between offers, so that R3/R5 have work to do
OFFERS = (((W1, 1), (W2, 2)), ((W1, 1), (W3, 1)), ((W2, 1), (W3, 2)))
OFFER_WEEKS = [(o, week, seats) for o, weeks in enumerate(OFFERS) for week, seats in weeks]

INDEX = st.integers(0, 10_000)
AIMED = st.sampled_from([True, True, True, False])  # mostly at an application it may succeed on
OPEN = {"submitted", "read"}
WITHDRAWABLE = {"draft", "submitted", "read"}


@dataclasses.dataclass
class ModelApp:
    pupil: int
    slot: int  # index in OFFER_WEEKS
    status: str = "draft"
    sent: bool = False

    @property
    def week(self):
        return OFFER_WEEKS[self.slot][1]


class Lifecycle(RuleBasedStateMachine):
    engine = None  # set by the test, with the shared commune and sector
    sector = None

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(self.engine, expire_on_commit=False)
        s = self.session
        # a new collège, pupils and offers for each sequence (the commune is the test's)
        w = ah.World(oh.school(s, weeks=(W1, W2, W3)), self.sector)
        self.pupils: list[Viewer] = [ah.pupil(s, w) for _ in range(PUPILS)]
        self.employers: list[Viewer] = []
        self.offer_ids: list[int] = []
        for weeks in OFFERS:
            emp, offer_id = ah.offer(s, w, weeks=weeks)
            self.employers.append(emp)
            self.offer_ids.append(offer_id)
        self.apps: dict[int, ModelApp] = {}  # application id → model
        self.deepest = (0, 0)

    def teardown(self) -> None:
        self.session.close()
        # guide the search towards pupils with two internships and weeks filling up
        most, full = self.deepest
        target(float(most), label="internships of one pupil")
        target(float(full), label="full offer weeks")
        event(f"most internships of one pupil: {most}")

    # -- the model --------------------------------------------------------------------------

    def _accepted(self, pupil: int) -> list[ModelApp]:
        return [a for a in self.apps.values() if a.pupil == pupil and a.status == "accepted"]

    def _free(self, slot: int) -> bool:
        taken = sum(1 for a in self.apps.values() if a.slot == slot and a.status == "accepted")
        return taken < OFFER_WEEKS[slot][2]

    def _may_hold(self, pupil: int, slot: int) -> bool:
        """R6 (a seat free), R3 (no internship that week), R4 (fewer than two this year)."""
        accepted = self._accepted(pupil)
        week = OFFER_WEEKS[slot][1]
        return self._free(slot) and all(a.week != week for a in accepted) and len(accepted) < 2

    @staticmethod
    def _taken_up_again(a: ModelApp) -> bool:
        """Applying again brings back as a draft: a draft withdrawn before being sent, and an
        application cancelled automatically (R5 was not the pupil's choice)."""
        return (a.status == "withdrawn" and not a.sent) or a.status == "cancelled_auto"

    def _app_of(self, pupil: int, slot: int) -> int | None:
        for app_id, a in self.apps.items():
            if a.pupil == pupil and a.slot == slot:
                return app_id
        return None

    # -- calling the services ---------------------------------------------------------------

    def _call(self, expect_ok: bool, action, what: str):
        """Run ``action(session)``; it must succeed exactly when the model says so. A refusal
        is a DomainError (a French message), never another exception."""
        try:
            result = action(self.session)
        except DomainError as exc:
            self.session.rollback()
            assert not expect_ok, f"{what} refusé à tort : {exc.message}"
            assert exc.message, what
            return None
        assert expect_ok, f"{what} accepté à tort"
        return result

    def _pick(self, index: int, aimed: bool, statuses: set[str]) -> tuple[int, ModelApp]:
        """An application: when ``aimed``, one whose status lets the action succeed (if there is
        one), so that sequences reach second internships and full weeks; otherwise any, so that
        refusals are tried too (the model says which)."""
        ids = sorted(self.apps)
        if aimed:
            ids = [i for i in ids if self.apps[i].status in statuses] or ids
        app_id = ids[index % len(ids)]
        return app_id, self.apps[app_id]

    @rule(pupil=st.integers(0, PUPILS - 1), index=INDEX, aimed=AIMED)
    def apply(self, pupil: int, index: int, aimed: bool) -> None:
        slots = list(range(len(OFFER_WEEKS)))
        if aimed:  # an offer week the pupil has not applied to yet, if any
            slots = [s for s in slots if self._app_of(pupil, s) is None] or slots
        slot = slots[index % len(slots)]
        offer, week, _ = OFFER_WEEKS[slot]
        existing = self._app_of(pupil, slot)
        if existing is not None and not self._taken_up_again(self.apps[existing]):
            expect_ok = True  # R7: the existing application is returned as it is
        else:
            expect_ok = self._may_hold(pupil, slot)
        viewer = self.pupils[pupil]
        view = self._call(
            expect_ok,
            lambda s: apps.start_or_get_draft(s, viewer, self.offer_ids[offer], week),
            "candidature",
        )
        if view is None:
            return
        if existing is not None:
            assert view.id == existing  # R7
            if self._taken_up_again(self.apps[existing]):
                self.apps[existing].status = "draft"
        else:
            assert view.id not in self.apps
            self.apps[view.id] = ModelApp(pupil, slot)
        if self.apps[view.id].status == "draft":
            apps.save_letter(self.session, viewer, view.id, ah.LETTER)

    @rule(pupil=st.integers(0, PUPILS - 1), index=INDEX)
    def apply_and_send(self, pupil: int, index: int) -> None:
        """The usual path: a new application, sent at once."""
        before = set(self.apps)
        self.apply(pupil, index, aimed=True)
        new = set(self.apps) - before
        if new:
            self._submit(new.pop())

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED)
    def submit(self, index: int, aimed: bool) -> None:
        self._submit(self._pick(index, aimed, {"draft"})[0])

    def _submit(self, app_id: int) -> None:
        a = self.apps[app_id]
        expect_ok = a.status == "draft" and self._may_hold(a.pupil, a.slot)
        viewer = self.pupils[a.pupil]
        if self._call(expect_ok, lambda s: apps.submit_application(s, viewer, app_id), "envoi"):
            a.status, a.sent = "submitted", True

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED)
    def withdraw(self, index: int, aimed: bool) -> None:
        app_id, a = self._pick(index, aimed, WITHDRAWABLE)
        viewer = self.pupils[a.pupil]
        if self._call(
            a.status in WITHDRAWABLE, lambda s: apps.withdraw(s, viewer, app_id), "retrait"
        ):
            a.status = "withdrawn"

    def _employer(self, a: ModelApp) -> Viewer:
        return self.employers[OFFER_WEEKS[a.slot][0]]

    def _employer_call(self, a: ModelApp, expect_ok: bool, action, what: str):
        """Drafts are never the employer's: NotFound, whatever the action."""
        if a.status == "draft" or (a.status == "withdrawn" and not a.sent):
            try:
                action(self.session)
            except NotFound:
                self.session.rollback()
                return None
            raise AssertionError(f"{what} : un brouillon atteint par l'employeur")
        return self._call(expect_ok, action, what)

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED)
    def read(self, index: int, aimed: bool) -> None:
        app_id, a = self._pick(index, aimed, {"submitted"})
        emp = self._employer(a)
        done = self._employer_call(
            a, True, lambda s: apps.open_application(s, emp, app_id), "lecture"
        )
        if done is not None and a.status == "submitted":
            a.status = "read"

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED)
    def accept(self, index: int, aimed: bool) -> None:
        app_id, a = self._pick(index, aimed, OPEN)
        expect_ok = a.status in OPEN and self._may_hold(a.pupil, a.slot)
        emp = self._employer(a)
        if self._employer_call(
            a, expect_ok, lambda s: apps.accept(s, emp, app_id, "Bienvenue !"), "acceptation"
        ):
            a.status = "accepted"
            second = len(self._accepted(a.pupil)) == 2
            for other in self.apps.values():  # R5
                if other is a or other.pupil != a.pupil or other.status not in OPEN:
                    continue
                if other.week == a.week or second:
                    other.status = "cancelled_auto"

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED)
    def refuse(self, index: int, aimed: bool) -> None:
        app_id, a = self._pick(index, aimed, OPEN)
        emp = self._employer(a)
        message = apps.REFUSAL_TEMPLATES[0]
        if self._employer_call(
            a, a.status in OPEN, lambda s: apps.refuse(s, emp, app_id, message), "refus"
        ):
            a.status = "refused"

    @precondition(lambda self: self.apps)
    @rule(index=INDEX, aimed=AIMED, by_pupil=st.booleans())
    def cancel(self, index: int, aimed: bool, by_pupil: bool) -> None:
        app_id, a = self._pick(index, aimed, {"accepted"})
        reason = "Un empêchement de dernière minute, désolé."
        if by_pupil:
            viewer = self.pupils[a.pupil]
            done = self._call(
                a.status == "accepted",
                lambda s: apps.cancel_accepted(s, viewer, app_id, reason),
                "annulation par l'élève",
            )
        else:
            emp = self._employer(a)
            done = self._employer_call(
                a,
                a.status == "accepted",
                lambda s: apps.cancel_accepted(s, emp, app_id, reason),
                "annulation par l'employeur",
            )
        if done:
            a.status = "cancelled"

    # -- what must hold after every step -----------------------------------------------------

    @invariant()
    def note_how_deep(self) -> None:
        most = max((len(self._accepted(p)) for p in range(PUPILS)), default=0)
        full = sum(1 for slot in range(len(OFFER_WEEKS)) if not self._free(slot))
        self.deepest = max(self.deepest, (most, full))

    @invariant()
    def statuses_are_the_models(self) -> None:
        self.session.expire_all()
        rows = self.session.execute(
            select(Application.id, Application.status).where(
                Application.offer_id.in_(self.offer_ids)
            )
        ).all()
        assert dict(rows) == {i: a.status for i, a in self.apps.items()}

    @invariant()
    def rules_hold_in_the_database(self) -> None:
        s = self.session
        rows = s.execute(
            select(Application).where(Application.offer_id.in_(self.offer_ids))
        ).scalars()
        apps_rows = list(rows)
        accepted = [r for r in apps_rows if r.status == "accepted"]
        # R3 and R4
        per_week = collections.Counter((r.student_id, r.week_start) for r in accepted)
        assert max(per_week.values(), default=0) <= 1, per_week
        per_year = collections.Counter((r.student_id, r.school_year) for r in accepted)
        assert max(per_year.values(), default=0) <= 2, per_year
        # R5
        for r in apps_rows:
            if r.status in OPEN:
                assert per_week[(r.student_id, r.week_start)] == 0, r
                assert per_year[(r.student_id, r.school_year)] < 2, r
        # R7
        triples = collections.Counter((r.student_id, r.offer_id, r.week_start) for r in apps_rows)
        assert max(triples.values(), default=0) <= 1, triples
        # R6: the counter, the seats and the search flag
        per_slot = collections.Counter(r.offer_week_id for r in accepted)
        weeks = s.execute(
            select(OfferWeek, Offer.status, Organisation.suspended_at)
            .join(Offer, Offer.id == OfferWeek.offer_id)
            .join(Organisation, Organisation.id == Offer.organisation_id)
            .where(OfferWeek.offer_id.in_(self.offer_ids))
        ).all()
        assert len(weeks) == len(OFFER_WEEKS)
        for ow, offer_status, suspended_at in weeks:
            assert ow.accepted_count == per_slot[ow.id] <= ow.seats, ow
            assert ow.searchable == is_week_searchable(
                offer_status,
                ow.seats,
                ow.accepted_count,
                withdrawn=ow.withdrawn_at is not None,
                suspended=suspended_at is not None,
            ), ow

    @invariant()
    def every_transition_has_its_event(self) -> None:
        for app_id in self.apps:
            ah.assert_history_consistent(self.session, app_id)
        total = self.session.execute(
            select(func.count()).select_from(Application).where(Application.id.in_(self.apps))
        ).scalar_one()
        assert total == len(self.apps)


def test_lifecycle_follows_the_model(engine):
    with Session(engine, expire_on_commit=False) as session:
        oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
        Lifecycle.sector = oh.sector(session)
    Lifecycle.engine = engine
    try:
        run = Lifecycle.TestCase
        run.settings = settings(
            max_examples=EXAMPLES,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        run().runTest()
    finally:
        Lifecycle.engine = Lifecycle.sector = None
