"""Locust journeys for the load test: staff, design authority members and managers, weighted like a council.

Every simulated person signs in through the sign-in form (with the form's CSRF token, and a TOTP code for
design authority members), then wanders through the pages of their role with a few seconds of thought
between pages. Ids to visit are read from the list pages, never hard-coded. Run it through
``bench/load/run.py``, which starts gunicorn and judges the result; by hand:

    .venv/bin/locust -f bench/load/locustfile.py --headless -u 50 -r 2 -t 85s --host http://127.0.0.1:8000

At the end the figures go to the JSON file named by ``CHANGEAUTH_LOAD_FIGURES`` (if set), and the exit
code is 1 unless the run passes ``verdict.judge`` (budget ``CHANGEAUTH_LOAD_P95_BUDGET_MS``, 500 ms).

Accounts come from the JSON file named by ``CHANGEAUTH_LOAD_ACCOUNTS`` (``{"staff": [{"email": ...}],
"manager": [...], "design_authority": [{"email": ..., "totp_last_step": ...}]}``, written by the runner
from the database), else the worked example's demo accounts. Only this file imports locust: gevent's
monkey-patching must never reach the test suite.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
from browsing import TOTP_STEP_SECONDS, FormFields, ProxiedHttpsCookieJar, csrf_token, ids_in, totp_step
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.stats import StatsEntry
from verdict import P95_BUDGET_MS, EndpointFigures, judge

DEMO_PASSWORD = "changeauth-demo-2026"
DEMO_TOTP_KEY = "CHANGEAUTHDEMOTOTPKEYFORTRYINGIT"
# What a browser does with the dashboard charts' ``Cache-Control: private, max-age=300``.
CHART_CACHE_SECONDS = 300
THINK_TIME_SECONDS = (2, 6)
# One opened form in ten is sent, after a while spent typing: about three ideas a minute from 30 staff,
# several times a large council's busiest hour (50,000 ideas in six years) yet not a flood of writes.
SUBMITTED_SHARE = 0.1
TYPING_SECONDS = (10, 20)

WORKED_EXAMPLE_ACCOUNTS: dict[str, list[dict[str, Any]]] = {
    "staff": [{"email": "staff@demo.council.example"}],
    "manager": [{"email": "manager@demo.council.example"}],
    "design_authority": [
        {"email": "design.authority@demo.council.example"},
        {"email": "design.authority.2@demo.council.example"},
        {"email": "design.authority.3@demo.council.example"},
        {"email": "design.authority.4@demo.council.example"},
    ],
}

IMPROVEMENT_LINK = re.compile(r'href="/improvements/(\d+)"')
BENEFIT_LINK = re.compile(r'href="/benefits/(\d+)"')
ASSESS_LINK = re.compile(r'href="/scoring/improvements/(\d+)"')
TRIAGE_LINK = re.compile(r'href="/triage/(\d+)"')
MY_IDEAS_SECTION = re.compile(r'id="my-ideas"(.*?)id="recent-decisions"', re.S)
DASHBOARD_CHARTS = ("pipeline", "benefits", "flags", "resources", "maturity", "programmes")
GATED_STAGES = ("business_case", "approved", "delivery")
SEARCH_WORDS = ("waste", "council tax", "housing", "online", "parking", "staff", "customer", "repairs")


def _load_accounts() -> dict[str, list[dict[str, Any]]]:
    path = os.environ.get("CHANGEAUTH_LOAD_ACCOUNTS")
    if not path:
        return WORKED_EXAMPLE_ACCOUNTS
    accounts = json.loads(Path(path).read_text(encoding="utf-8"))
    for role in WORKED_EXAMPLE_ACCOUNTS:
        if not accounts.get(role):
            raise RuntimeError(f"{path} names no {role} account to sign in with")
    return accounts


ACCOUNTS = _load_accounts()
PASSWORD = os.environ.get("CHANGEAUTH_LOAD_PASSWORD", DEMO_PASSWORD)
TOTP_KEY = os.environ.get("CHANGEAUTH_LOAD_TOTP_KEY", DEMO_TOTP_KEY)
# Each simulated person takes the next account of their role, so accounts are shared only when there are
# more people than accounts.
_NEXT_ACCOUNT: dict[str, Iterator[dict[str, Any]]] = {
    role: itertools.cycle(accounts) for role, accounts in ACCOUNTS.items()
}
# The last TOTP step used per account: the server accepts each step once per account, so a second person
# on the same account waits for the next step. All users run in one process, as greenlets, and nothing
# yields between reading and writing this, so no lock is needed.
_TOTP_STEP_USED: dict[str, int] = {
    account["email"]: int(account["totp_last_step"])
    for account in ACCOUNTS.get("design_authority", [])
    if account.get("totp_last_step") is not None
}


PAGE_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)


def ended(response: Any) -> str:
    """Where a write ended, for a failure's message: the address, the status and the page's title."""
    found = PAGE_TITLE.search(response.text or "")
    title = " ".join(found.group(1).split())[:80] if found else ""
    return f"ended at {response.url}, {response.status_code} {title}".rstrip()


class CouncilUser(HttpUser):
    """Someone who signs in through the form and then reads pages with a few seconds between them."""

    abstract = True
    role = "staff"
    wait_time = between(*THINK_TIME_SECONDS)

    def on_start(self) -> None:
        self.client.cookies = ProxiedHttpsCookieJar()
        self.account = next(_NEXT_ACCOUNT[self.role])
        self.seen_improvements: list[int] = []
        self.fresh_until: dict[str, float] = {}
        self.sign_in()

    # --- sign-in ------------------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.client.get("/sign-in", name="/sign-in")
        form = {"csrf_token": csrf_token(page.text), "email": self.account["email"], "password": PASSWORD}
        with self.client.post("/sign-in", data=form, name="/sign-in", catch_response=True) as response:
            asks_for_code = response.url.endswith("/sign-in/two-factor")
            if response.ok and not asks_for_code and "/sign-in" in response.url:
                response.failure(f"sign-in refused for {self.account['email']}")
        if response.ok and asks_for_code:
            self._second_factor(response.text)

    def _second_factor(self, html: str) -> None:
        email = self.account["email"]
        step, wait = totp_step(time.time(), _TOTP_STEP_USED.get(email))
        _TOTP_STEP_USED[email] = step
        if wait:
            time.sleep(wait)
        code = pyotp.TOTP(TOTP_KEY).at(step * TOTP_STEP_SECONDS)
        form = {"csrf_token": csrf_token(html), "code": code}
        with self.client.post(
            "/sign-in/two-factor", data=form, name="/sign-in/two-factor", catch_response=True
        ) as response:
            if "/sign-in" in response.url:
                response.failure(f"second factor refused for {email}")

    # --- pages ----------------------------------------------------------------------------------------

    def page(self, path: str, name: str) -> str:
        """GET a page; a bounce to the sign-in page (a lost session) counts as a failure."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200 and "/sign-in" in response.url:
                response.failure(f"{path} sent us to sign in again")
            return response.text

    def image(self, path: str, name: str) -> None:
        """GET an image unless the browser's cache would still hold it."""
        if self.fresh_until.get(path, 0.0) > time.monotonic():
            return
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.headers.get("Content-Type", "").startswith("image/png"):
                self.fresh_until[path] = time.monotonic() + CHART_CACHE_SECONDS
            elif response.ok:
                response.failure(f"{path} is not a PNG")

    def improvement_ids(self, html: str) -> list[int]:
        found = ids_in(html, IMPROVEMENT_LINK)
        if found:
            self.seen_improvements = found
        return found

    def an_improvement(self) -> int | None:
        if not self.seen_improvements:
            self.improvement_ids(self.page("/improvements/", "/improvements/"))
        return random.choice(self.seen_improvements) if self.seen_improvements else None

    def improvement_detail(self) -> None:
        improvement_id = self.an_improvement()
        if improvement_id is not None:
            self.page(f"/improvements/{improvement_id}", "/improvements/[id]")


class StaffMember(CouncilUser):
    """Submits ideas, follows their own and browses everyone's; now and then through the API."""

    weight = 6
    role = "staff"

    def on_start(self) -> None:
        self.api_token: str | None = None
        super().on_start()

    @task(4)
    def home(self) -> None:
        self.page("/", "/")

    @task(2)
    def my_ideas(self) -> None:
        section = MY_IDEAS_SECTION.search(self.page("/", "/"))
        mine = ids_in(section.group(1), IMPROVEMENT_LINK) if section else []
        if mine:
            self.page(f"/improvements/{random.choice(mine)}", "/improvements/[id]")

    @task(3)
    def ideas_list(self) -> None:
        roll = random.random()
        if roll < 0.6:
            html = self.page("/improvements/", "/improvements/")
        elif roll < 0.8:
            html = self.page(f"/improvements/?q={random.choice(SEARCH_WORDS)}", "/improvements/?q=[search]")
        else:
            html = self.page(f"/improvements/?stage={random.choice(GATED_STAGES)}", "/improvements/?stage=")
        self.improvement_ids(html)

    @task(4)
    def detail(self) -> None:
        self.improvement_detail()

    @task(1)
    def submit_idea(self) -> None:
        fields = self.open_idea_form()
        if not self.sends_idea():
            return  # a similar idea is already there, or it can wait: most people leave the form here
        time.sleep(random.uniform(*TYPING_SECONDS))
        self.send_idea(fields)

    def sends_idea(self) -> bool:
        return random.random() < SUBMITTED_SHARE

    def open_idea_form(self) -> FormFields:
        """The new idea form, and the similar work its script asks for while the title is typed."""
        fields = FormFields(self.page("/improvements/new", "/improvements/new"))
        self.page(
            f"/improvements/similar?title=Quicker {random.choice(SEARCH_WORDS)}", "/improvements/similar"
        )
        return fields

    def send_idea(self, fields: FormFields) -> None:
        topic = random.choice(SEARCH_WORDS)
        title = f"Quicker {topic} answers online (load test {uuid.uuid4().hex[:8]})"
        drivers = fields.checkboxes.get("benefit_drivers", [])
        teams = [code for code in fields.options.get("team", []) if code]
        form = {
            "csrf_token": fields.values.get("csrf_token", ""),
            "title": title,
            "problem": "Residents wait on the phone for a simple answer that could be online.",
            "proposal": "Publish the answer on the website and link to it from the phone menu.",
            "expected_effect": "Fewer calls and quicker answers.",
            "benefit_drivers": random.sample(drivers, k=min(len(drivers), random.randint(1, 2))),
            "team": random.choice(teams) if teams else "",
        }
        with self.client.post(
            "/improvements/new", data=form, name="/improvements/new", catch_response=True
        ) as response:
            # Submitting ends on the confirmation page, which names the new reference.
            if not re.search(r"/improvements/\d+/submitted$", response.url):
                response.failure(f"the idea was not submitted ({ended(response)})")

    @task(1)
    def api(self) -> None:
        if self.api_token is None:
            self.api_token = self._new_api_token()
            if self.api_token is None:
                return
        headers = {"Authorization": f"Bearer {self.api_token}"}
        listing = self.client.get(
            "/api/v1/improvements?mine=true&per_page=20", headers=headers, name="/api/v1/improvements"
        )
        items = listing.json().get("items", []) if listing.ok else []
        if not items:
            listing = self.client.get(
                "/api/v1/improvements?per_page=20", headers=headers, name="/api/v1/improvements"
            )
            items = listing.json().get("items", []) if listing.ok else []
        if items:
            self.client.get(
                f"/api/v1/improvements/{random.choice(items)['id']}",
                headers=headers,
                name="/api/v1/improvements/[id]",
            )

    def _new_api_token(self) -> str | None:
        html = self.page("/profile/tokens", "/profile/tokens")
        form = {"csrf_token": csrf_token(html), "name": f"Load test {uuid.uuid4().hex[:8]}"}
        with self.client.post(
            "/profile/tokens", data=form, name="/profile/tokens", catch_response=True
        ) as response:
            found = re.search(r'<code id="new-token">([^<]+)</code>', response.text)
            if response.status_code == 201 and found:
                response.success()
                return found.group(1).strip()
            response.failure("no new API token on the page")
            return None


class DesignAuthorityMember(CouncilUser):
    """Triages, reads the ranked backlog, scores, prepares gates and checks the decision register."""

    weight = 2
    role = "design_authority"

    @task(2)
    def triage(self) -> None:
        queue = ids_in(self.page("/triage/", "/triage/"), TRIAGE_LINK)
        if queue:
            self.page(f"/triage/{random.choice(queue)}", "/triage/[id]")

    @task(3)
    def backlog(self) -> None:
        if random.random() < 0.8:
            self.page("/backlog/", "/backlog/")
        else:
            self.page("/backlog/matrix", "/backlog/matrix")

    @task(2)
    def scoring(self) -> None:
        to_score = ids_in(self.page("/scoring/", "/scoring/"), ASSESS_LINK)
        if to_score:
            self.page(f"/scoring/improvements/{random.choice(to_score)}", "/scoring/improvements/[id]")

    @task(2)
    def gate(self) -> None:
        stage = random.choice(GATED_STAGES)
        candidates = ids_in(
            self.page(f"/improvements/?stage={stage}", "/improvements/?stage="), IMPROVEMENT_LINK
        )
        if candidates:
            self.page(f"/improvements/{random.choice(candidates)}/gate", "/improvements/[id]/gate")

    @task(2)
    def decision_register(self) -> None:
        self.page("/decisions", "/decisions")

    @task(1)
    def detail(self) -> None:
        self.improvement_detail()


class Manager(CouncilUser):
    """Watches the dashboard, benefits, flags and temporary staff, and reads the scrutiny report."""

    weight = 2
    role = "manager"

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard", "/dashboard")
        for section in DASHBOARD_CHARTS:
            self.image(f"/dashboard/{section}.png", "/dashboard/[chart].png")

    @task(3)
    def benefits(self) -> None:
        benefits = ids_in(self.page("/benefits/", "/benefits/"), BENEFIT_LINK)
        if benefits and random.random() < 0.5:
            self.page(f"/benefits/{random.choice(benefits)}", "/benefits/[id]")

    @task(2)
    def flags(self) -> None:
        self.page("/flags", "/flags")

    @task(2)
    def my_actions(self) -> None:
        self.page("/my-actions", "/my-actions")

    @task(1)
    def temporary_resources(self) -> None:
        self.page("/temporary-resources/", "/temporary-resources/")

    @task(1)
    def scrutiny_report(self) -> None:
        self.page("/reports/scrutiny", "/reports/scrutiny")


# --- the end of the run: figures and exit code ------------------------------------------------------------


def figures_of(entry: StatsEntry) -> EndpointFigures:
    """Locust's statistics for one endpoint (or the aggregate) as plain figures."""
    return EndpointFigures(
        method=entry.method or "",
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        median_ms=float(entry.median_response_time),
        average_ms=round(entry.avg_response_time, 1),
        p95_ms=float(entry.get_response_time_percentile(0.95)),
        p99_ms=float(entry.get_response_time_percentile(0.99)),
        max_ms=round(entry.max_response_time, 1),
        requests_per_second=round(entry.total_rps, 2),
    )


SIGN_IN_NAMES = frozenset({"/sign-in", "/sign-in/two-factor"})


def combined(environment: Environment, entries: list[StatsEntry], name: str) -> StatsEntry:
    """One entry holding the response times of several."""
    whole = StatsEntry(environment.stats, name, "")
    for entry in entries:
        whole.extend(entry)
    return whole


# A phased run (``writes.py``: reads only, then with writes) keeps the figures of each finished phase
# here by name and names the phase under way in CURRENT_PHASE; the quitting listener below adds them all
# to the figures file. A plain run has no phases.
PHASES: dict[str, dict[str, Any]] = {}
CURRENT_PHASE: dict[str, str] = {}
# When each phase began and the last one ended (Unix time), so the runner can tell the server's CPU time
# in each phase from its own samples.
PHASE_TIMES: dict[str, float] = {}
# Counts worth reporting beside the figures, by what was counted (writes the app refused with a reason).
NOTES: dict[str, int] = {}


def figures_now(environment: Environment) -> dict[str, Any]:
    """The statistics so far: the aggregate, the aggregate after sign-in, and each endpoint's."""
    stats = environment.stats
    after_sign_in = [entry for entry in stats.entries.values() if entry.name not in SIGN_IN_NAMES]
    return {
        "total": figures_of(stats.total).as_dict(),
        "total_after_sign_in": figures_of(combined(environment, after_sign_in, "After sign-in")).as_dict(),
        "endpoints": [figures_of(entry).as_dict() for entry in stats.entries.values() if entry.num_requests],
        "failures": [error.to_dict() for error in stats.errors.values()],
    }


@events.quitting.add_listener
def _judge_the_run(environment: Environment, **_: Any) -> None:
    if environment.runner is None:
        return
    environment.runner.stop()  # no more requests: the figures below are the final ones
    stats = environment.stats
    exceptions = sum(found["count"] for found in environment.runner.exceptions.values())
    budget = float(os.environ.get("CHANGEAUTH_LOAD_P95_BUDGET_MS", P95_BUDGET_MS))
    verdict = judge(figures_of(stats.total), exceptions=exceptions, p95_budget_ms=budget)
    environment.process_exit_code = 0 if verdict.passed else 1
    target = os.environ.get("CHANGEAUTH_LOAD_FIGURES")
    if target:
        figures = {
            **figures_now(environment),
            "exceptions": [
                {"count": found["count"], "message": found["msg"], "traceback": found["traceback"]}
                for found in environment.runner.exceptions.values()
            ],
            "exception_count": exceptions,
            "notes": NOTES,
            "users_by_class": dict(environment.runner.final_user_classes_count or {}),
        }
        if CURRENT_PHASE:
            figures["phases"] = {**PHASES, CURRENT_PHASE["name"]: figures_now(environment)}
            figures["phase_times"] = PHASE_TIMES
        Path(target).write_text(json.dumps(figures, indent=2), encoding="utf-8")
