"""Each report's extract is one select, whatever the data, and returns the columns the transforms read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest
from flask import Flask

from changeauth.reporting import extracts
from tests.factories import BenefitFactory, BenefitMeasurementFactory, TemporaryResourceFactory

EXTRACTS: dict[str, tuple[Callable[[], pd.DataFrame], list[str]]] = {
    "pipeline": (extracts.pipeline_counts, ["stage", "count"]),
    "benefits": (
        extracts.benefits,
        [
            "benefit_id",
            "driver",
            "programme_id",
            "programme",
            "unit",
            "cash_class",
            "direction",
            "baseline",
            "target_value",
            "last_value",
            "adjustments",
            "validated",
            "movement",
        ],
    ),
    "flags": (extracts.open_flags, ["kind", "count"]),
    "resources": (
        extracts.temporary_resources,
        [
            "resource_id",
            "programme_id",
            "annual_cost_pence",
            "start_date",
            "end_date",
            "extension_until",
            "actual_end_date",
        ],
    ),
    "maturity": (extracts.maturity, ["driver", "assessed_on", "achieved_pct"]),
    "programmes": (
        extracts.programmes,
        ["programme_id", "code", "name", "planned_investment_pence", "planned_annual_benefit_pence"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXTRACTS))
def test_one_select_each(app: Flask, db_session: Any, count_queries: Any, name: str) -> None:
    extract, columns = EXTRACTS[name]
    with app.app_context():
        benefit = BenefitFactory.create_batch(3, cashable=True)[0]
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=1000)
        TemporaryResourceFactory.create_batch(2)
        db_session.flush()
        with count_queries() as counter:
            frame = extract()
        assert counter.count == 1
        assert list(frame.columns) == columns


def test_benefit_rows_carry_the_confirmed_adjustment_total(app: Flask, db_session: Any) -> None:
    from changeauth.models import BenefitAdjustment

    with app.app_context():
        benefit = BenefitFactory(cashable=True)
        for amount, status in ((1500, "confirmed"), (-200, "confirmed"), (9999, "proposed")):
            db_session.add(
                BenefitAdjustment(
                    benefit_id=benefit.id, category="other", amount_pence=amount, rationale="x", status=status
                )
            )
        db_session.flush()
        frame = extracts.benefits()
        row = frame[frame["benefit_id"] == benefit.id].iloc[0]
        # 1,500 − 200; the proposed 9,999 counts nothing until finance confirms it.
        assert row["adjustments"] == 1300
        assert not row["validated"]
        assert row["driver"] == "Customer channel shift"
