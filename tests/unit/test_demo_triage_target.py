"""The worked example's triage benefit measures the same target the triage queue states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from changeauth.config import load_config

BENEFITS = Path(__file__).resolve().parents[2] / "seeds" / "demo" / "benefits.yaml"


def test_the_demo_triage_benefit_names_the_triage_queues_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHANGEAUTH_TRIAGE_SLA_WORKING_DAYS", raising=False)
    target = load_config("development")["TRIAGE_SLA_WORKING_DAYS"]
    titles = [
        row["title"] for row in yaml.safe_load(BENEFITS.read_text()) if "triaged within" in row["title"]
    ]
    assert titles
    for title in titles:
        found = re.search(r"triaged within (\d+) working days", title)
        assert found and int(found.group(1)) == target, title
