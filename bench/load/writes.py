"""Locust journeys for the write-heavy load test: a design authority scoring session on a busy day.

Today's readers (``locustfile.py``'s staff, design authority members and managers, 6:2:2) share the app
with people who write: design authority members scoring improvements and deciding ideas at triage, staff
submitting and supporting ideas, and managers recording benefit measurements. Once everyone has signed
in, the run has two phases of the same length with the same people doing the same things: in the first
nobody sends a write (writers open their forms and pages but do not send them; readers send no ideas),
in the second every writer sends what they open. The figures of each phase are kept apart, so the
runner (``run.py --write-heavy``) can set each endpoint's 95th percentile with writes against its
figure without them, and the throughput of both.

Writers come in fixed numbers, set by the runner through the environment (defaults: 10 scoring members,
20 staff writing, 3 managers measuring); readers are the rest of ``--users``. A write the app refuses
for a good reason (two members deciding the same idea at once, a period already measured) is answered
with a form again and counted as refused, not failed. Run it through ``run.py``, which picks accounts
(and the benefits each measuring manager owns) from the database.
"""

from __future__ import annotations

import os
import random
import re
import time
from datetime import date, timedelta
from typing import Any

import gevent
import locustfile as everyday
from browsing import FormFields, ids_in
from locust import between, events, task
from locust.env import Environment

READ_PHASE = "reads only"
WRITE_PHASE = "with writes"
PHASE_SECONDS = float(os.environ.get("CHANGEAUTH_LOAD_PHASE_SECONDS", "60"))
# The phase with nobody writing may be shorter (CI, which does not judge the ratios); by default as long.
READ_PHASE_SECONDS = float(os.environ.get("CHANGEAUTH_LOAD_READ_PHASE_SECONDS", PHASE_SECONDS))
SCORERS = int(os.environ.get("CHANGEAUTH_LOAD_SCORERS", "10"))
IDEA_WRITERS = int(os.environ.get("CHANGEAUTH_LOAD_IDEA_WRITERS", "20"))
MEASURERS = int(os.environ.get("CHANGEAUTH_LOAD_MEASURERS", "3"))
# Writers think longer than readers: a member reads the case before scoring it.
WRITER_THINK_SECONDS = (4, 12)
# How far back a manager records a measurement: any day in the last two years after the baseline.
MEASURED_DAYS_BACK = 730
REFUSED = "refused writes"


def writing() -> bool:
    """Whether writers send what they open (the second phase)."""
    return everyday.CURRENT_PHASE.get("name") == WRITE_PHASE


def refused(response: Any, what: str) -> None:
    """A write the app turned down with a reason (a conflict, a duplicate): counted, not failed."""
    response.success()
    everyday.NOTES[f"{REFUSED}: {what}"] = everyday.NOTES.get(f"{REFUSED}: {what}", 0) + 1


# People who have finished signing in (and making their API token): the phases start once all have.
READY: list[int] = [0]
READY_TIMEOUT_SECONDS = 180


class Counted(everyday.CouncilUser):
    """Counts itself in READY once signed in."""

    abstract = True

    def on_start(self) -> None:
        super().on_start()
        READY[0] += 1


# --- today's readers, who send nothing in the first phase ---------------------------------------------


class Staff(everyday.StaffMember):
    """Today's staff; each makes their API token while signing in, so the first phase writes nothing."""

    def on_start(self) -> None:
        super().on_start()
        self.api_token = self._new_api_token()
        READY[0] += 1

    def sends_idea(self) -> bool:
        return writing() and super().sends_idea()


class DesignAuthority(everyday.DesignAuthorityMember, Counted):
    """Today's design authority members: triage, backlog, scoring list, gates, register."""


class Managers(everyday.Manager, Counted):
    """Today's managers: dashboard, benefits, flags, resources, scrutiny report."""


# --- the writers -------------------------------------------------------------------------------------


class ScoringMember(Counted):
    """A design authority member in a scoring session: scores improvements, decides ideas at triage."""

    fixed_count = SCORERS
    role = "design_authority"
    wait_time = between(*WRITER_THINK_SECONDS)

    @task(4)
    def score(self) -> None:
        to_score = ids_in(self.page("/scoring/", "/scoring/"), everyday.ASSESS_LINK)
        if not to_score:
            return
        improvement_id = random.choice(to_score)
        path = f"/scoring/improvements/{improvement_id}"
        fields = FormFields(self.page(path, "/scoring/improvements/[id]"))
        groups = {name: values for name, values in fields.radios.items() if name.startswith("scores.")}
        if not writing() or not groups:
            return
        form = {
            "csrf_token": fields.values.get("csrf_token", ""),
            "version": fields.values.get("version", "0"),
            "rationale": "Scored in the design authority's session from the business case.",
            **{name: random.choice(values) for name, values in groups.items()},
        }
        with self.client.post(
            path, data=form, name="/scoring/improvements/[id] (save)", catch_response=True
        ) as response:
            if response.status_code in (409, 422):
                refused(response, "an assessment")
            elif not response.url.endswith(f"/scoring/improvements/{improvement_id}/score"):
                response.failure(f"the assessment was not saved ({everyday.ended(response)})")

    @task(1)
    def decide(self) -> None:
        queue = ids_in(self.page("/triage/", "/triage/"), everyday.TRIAGE_LINK)
        if not queue:
            return
        improvement_id = random.choice(queue)
        path = f"/triage/{improvement_id}"
        fields = FormFields(self.page(path, "/triage/[id]"))
        owners = [value for value in fields.options.get("owner_id", []) if value]
        if not writing() or "go" not in fields.radios.get("decision", []) or not owners:
            return  # nothing this member may decide (their own idea, or already decided)
        form = {
            "csrf_token": fields.values.get("csrf_token", ""),
            "version": fields.values.get("version", ""),
            "decision": "go",
            "owner_id": random.choice(owners),
            "rationale": "Worth a business case: it is clear, and the teams named can do it.",
        }
        with self.client.post(path, data=form, name="/triage/[id] (decide)", catch_response=True) as response:
            if response.status_code in (409, 422):
                refused(response, "a triage decision")
            elif re.search(rf"/triage/{improvement_id}$", response.url):
                response.failure(f"the triage decision was not recorded ({everyday.ended(response)})")

    @task(1)
    def backlog(self) -> None:
        self.page("/backlog/", "/backlog/")


class IdeaWriter(Counted):
    """A member of staff after a briefing: submits ideas and supports colleagues' ones."""

    fixed_count = IDEA_WRITERS
    role = "staff"
    wait_time = between(*WRITER_THINK_SECONDS)
    open_idea_form = everyday.StaffMember.open_idea_form
    send_idea = everyday.StaffMember.send_idea

    @task(3)
    def support_an_idea(self) -> None:
        improvement_id = self.an_improvement()
        if improvement_id is None:
            return
        html = self.page(f"/improvements/{improvement_id}", "/improvements/[id]")
        action = f'action="/improvements/{improvement_id}/support"'
        if not writing() or action not in html:
            return
        form = {"csrf_token": FormFields(html).values.get("csrf_token", "")}
        if 'name="withdraw"' in html:
            form["withdraw"] = "1"
        with self.client.post(
            f"/improvements/{improvement_id}/support",
            data=form,
            name="/improvements/[id]/support",
            catch_response=True,
        ) as response:
            if not response.url.endswith(f"/improvements/{improvement_id}"):
                response.failure(f"support was not recorded ({everyday.ended(response)})")

    @task(1)
    def write_an_idea(self) -> None:
        fields = self.open_idea_form()
        if writing():
            self.send_idea(fields)

    @task(1)
    def browse(self) -> None:
        self.improvement_ids(self.page("/improvements/", "/improvements/"))


class MeasuringManager(Counted):
    """A manager recording this period's value of the benefits they own."""

    fixed_count = MEASURERS
    role = "measurer"
    wait_time = between(*WRITER_THINK_SECONDS)

    def on_start(self) -> None:
        if self.role not in everyday.ACCOUNTS:
            self.role = "manager"  # no accounts file (the worked example): no benefits to measure
        super().on_start()
        self.benefits: list[dict[str, Any]] = self.account.get("benefits", [])

    @task(2)
    def measure(self) -> None:
        if not self.benefits:
            return
        benefit = random.choice(self.benefits)
        self.page(f"/benefits/{benefit['id']}", "/benefits/[id]")
        path = f"/benefits/{benefit['id']}/measurements/new"
        fields = FormFields(self.page(path, "/benefits/[id]/measurements/new"))
        if not writing():
            return
        today = date.today()
        earliest = max(date.fromisoformat(benefit["baseline_date"]), today - timedelta(MEASURED_DAYS_BACK))
        period_end = earliest + timedelta(days=random.randint(0, max((today - earliest).days - 1, 0)))
        qualities = [value for value in fields.options.get("data_quality", []) if value]
        form = {
            "csrf_token": fields.values.get("csrf_token", ""),
            "period_end": period_end.isoformat(),
            "value": str(random.randint(10, 90)),
            "data_quality": qualities[0] if qualities else "measured",
            "note": "",
        }
        with self.client.post(
            path, data=form, name="/benefits/[id]/measurements/new (record)", catch_response=True
        ) as response:
            if response.status_code in (409, 422):
                refused(response, "a measurement")
            elif not response.url.endswith(f"/benefits/{benefit['id']}"):
                response.failure(f"the measurement was not recorded ({everyday.ended(response)})")

    @task(1)
    def tracker(self) -> None:
        self.page("/benefits/", "/benefits/")


# --- the phases ---------------------------------------------------------------------------------------


def _run_the_phases(environment: Environment, user_count: int) -> None:
    """Once everyone has signed in: reads only for READ_PHASE_SECONDS, then with writes for PHASE_SECONDS,
    each from a fresh count; then stop."""
    waited = 0.0
    while READY[0] < user_count and waited < READY_TIMEOUT_SECONDS:
        gevent.sleep(0.5)
        waited += 0.5
    for name, seconds in ((READ_PHASE, READ_PHASE_SECONDS), (WRITE_PHASE, PHASE_SECONDS)):
        if everyday.CURRENT_PHASE:
            everyday.PHASES[everyday.CURRENT_PHASE["name"]] = everyday.figures_now(environment)
        environment.stats.reset_all()
        everyday.CURRENT_PHASE["name"] = name
        everyday.PHASE_TIMES[name] = time.time()
        gevent.sleep(seconds)
    everyday.PHASE_TIMES["end"] = time.time()
    if environment.runner is not None:
        environment.runner.quit()


@events.spawning_complete.add_listener
def _everyone_signed_in(user_count: int, **_: Any) -> None:
    if not everyday.CURRENT_PHASE and environment_of_run:
        gevent.spawn(_run_the_phases, environment_of_run[0], user_count)


environment_of_run: list[Environment] = []


@events.init.add_listener
def _keep_the_environment(environment: Environment, **_: Any) -> None:
    environment_of_run.append(environment)
