"""The dashboard (docs/reports.md): each section as a frame from its extract and transform, and its chart.

Sections are named so the page and each chart's PNG route ask for the same figures; a chart route
runs only its own section's extract.

The figures and the chart images are the same for everyone on a given day, and building them costs
a fixed amount of pandas and matplotlib work whatever the data size (docs/performance.md), so they are
worked out once per change of the reports' marker by one process and kept as JSON for every process
and server (``web.shared_views``); ``to_json`` and ``from_json`` carry the figures, never pickled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from io import StringIO

import pandas as pd

from changeauth.models.derived_state import REPORTS
from changeauth.queries import savings as savings_queries
from changeauth.queries.derived import reads
from changeauth.reporting import extracts, transforms
from changeauth.reporting.charts import Series, bar_chart, line_chart

SECTIONS = ("pipeline", "benefits", "flags", "resources", "maturity", "programmes")


def _pounds(values: pd.Series) -> list[float]:
    return [float(v) / 100 for v in values]


def pipeline(as_of: date) -> pd.DataFrame:
    return transforms.pipeline_by_stage(extracts.pipeline_counts())


def benefits(as_of: date) -> pd.DataFrame:
    return transforms.benefits_by_driver(extracts.benefits())


def flags(as_of: date) -> pd.DataFrame:
    return transforms.flags_by_kind(extracts.open_flags())


def resources(as_of: date) -> pd.DataFrame:
    return transforms.exposure_by_status(extracts.temporary_resources(), as_of)


def maturity(as_of: date) -> pd.DataFrame:
    return transforms.maturity_over_time(extracts.maturity())


def programmes(as_of: date) -> pd.DataFrame:
    """Each programme's figures from ``queries.savings`` (the one definition every page shares)."""
    return programmes_frame(savings_queries.all_programmes(as_of))


def programmes_frame(items: Sequence[savings_queries.ProgrammeSavings]) -> pd.DataFrame:
    """The programme section's frame of these programmes' figures."""
    rows = [
        {
            "programme_id": p.programme_id,
            "code": p.code,
            "name": p.name,
            "projected": p.planned_annual_benefit_pence,
            "realised_gross": p.figures.gross_pence,
            "unvalidated": p.figures.unvalidated_pence,
            "realised": p.figures.realised_pence,
            "realised_adjusted": p.figures.like_for_like_pence,
            "temporary_resource_cost": p.figures.temporary_cost_pence,
            "net": p.figures.net_pence,
        }
        for p in items
    ]
    columns = [
        "programme_id",
        "code",
        "name",
        "projected",
        "realised_gross",
        "unvalidated",
        "realised",
        "realised_adjusted",
        "temporary_resource_cost",
        "net",
    ]
    return pd.DataFrame(rows, columns=columns)


FIGURES: dict[str, Callable[[date], pd.DataFrame]] = {
    "pipeline": pipeline,
    "benefits": benefits,
    "flags": flags,
    "resources": resources,
    "maturity": maturity,
    "programmes": programmes,
}


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    pipeline: pd.DataFrame
    benefits: pd.DataFrame
    flags: pd.DataFrame
    resources: pd.DataFrame
    maturity: pd.DataFrame
    programmes: pd.DataFrame
    # Each programme's figures as the savings tables show them (None in figures kept before they were).
    savings: tuple[savings_queries.ProgrammeSavings, ...] | None = None


def build(as_of: date) -> Dashboard:
    """Every section's figures, worked out now (seven selects: the programme view reuses four extracts)."""
    return _figures(as_of)


@reads(
    REPORTS,
    "improvement",
    "team",
    "benefit",
    "benefit_adjustment",
    "benefit_year",
    "benefit_driver",
    "flag",
    "temporary_resource",
    "maturity_assessment",
    "programme",
    "disbenefit",
)
def _figures(as_of: date) -> Dashboard:
    savings = savings_queries.all_programmes(as_of)  # worked out once, for its section and its tables
    return Dashboard(
        as_of=as_of,
        **{name: FIGURES[name](as_of) for name in SECTIONS if name != "programmes"},
        programmes=programmes_frame(savings),
        savings=savings,
    )


def chart(section: str, frame: pd.DataFrame) -> bytes:
    """The PNG chart of one section drawn from its figures; KeyError for an unknown section."""
    if section not in FIGURES:
        raise KeyError(section)
    if section == "pipeline":
        return bar_chart(
            "Improvements by stage", list(frame["label"]), [("Improvements", list(frame["count"]))]
        )
    if section == "benefits":
        return bar_chart(
            "Cashable benefits by programme and driver (£)",
            [f"{d}\n{p}" for p, d in zip(frame["programme"], frame["driver"], strict=True)],
            [
                ("Target", _pounds(frame["target"])),
                ("Realised (validated)", _pounds(frame["realised"])),
                ("Like-for-like", _pounds(frame["adjusted"])),
            ],
            y_label="£",
        )
    if section == "flags":
        return bar_chart("Open flags by kind", list(frame["label"]), [("Open flags", list(frame["count"]))])
    if section == "resources":
        return bar_chart(
            "Temporary resources by status (£)",
            list(frame["label"]),
            [
                ("Annual cost", _pounds(frame["annual_cost"])),
                ("Overrun exposure", _pounds(frame["exposure"])),
            ],
            y_label="£",
        )
    if section == "maturity":
        series = [
            Series(str(driver), [(on, float(v)) for on, v in frame[driver].items() if pd.notna(v)])
            for driver in frame.columns
        ]
        return line_chart("Benefit driver maturity (% achieved)", series, y_label="%")
    return bar_chart(
        "Programmes: benefit against temporary resource cost (£)",
        list(frame["name"]),
        [
            ("Projected annual", _pounds(frame["projected"])),
            ("Validated saving a year", _pounds(frame["realised"])),
            ("Like-for-like a year", _pounds(frame["realised_adjusted"])),
            ("Temporary resource cost", _pounds(frame["temporary_resource_cost"])),
            ("Net saving over the years", _pounds(frame["net"])),
        ],
        y_label="£",
    )


def to_json(figures: Dashboard) -> str:
    """The figures as JSON text (each frame in pandas' table form, which keeps its types and index)."""
    return json.dumps(
        {
            "as_of": figures.as_of.isoformat(),
            "frames": {
                name: _dated(getattr(figures, name)).to_json(orient="table", date_format="iso")
                for name in SECTIONS
            },
            "savings": None if figures.savings is None else savings_queries.to_plain(figures.savings),
        }
    )


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with an index of days (the maturity table's) as datetimes, which JSON's table form
    keeps as such (``_frame`` turns them back into days)."""
    if len(frame.index) and isinstance(frame.index[0], date):
        return frame.set_axis(pd.DatetimeIndex(list(frame.index), name=frame.index.name), axis=0)
    return frame


def _frame(text: str) -> pd.DataFrame:
    frame = pd.read_json(StringIO(text), orient="table")
    if isinstance(frame.index, pd.DatetimeIndex):  # the maturity table is indexed by day
        frame.index = pd.Index([moment.date() for moment in frame.index], name=frame.index.name)
    if frame.columns.empty:
        frame = pd.DataFrame(index=frame.index)
    return frame


def from_json(text: str) -> Dashboard:
    """Figures read back from ``to_json``'s text."""
    data = json.loads(text)
    return Dashboard(
        as_of=date.fromisoformat(data["as_of"]),
        **{name: _frame(data["frames"][name]) for name in SECTIONS},
        savings=None if data.get("savings") is None else savings_queries.from_plain(data["savings"]),
    )


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A frame as plain Python rows for a template (native ints, so ``|money`` accepts them)."""
    return frame.to_dict("records")


def maturity_records(frame: pd.DataFrame) -> tuple[list[str], list[tuple[date, list[float | None]]]]:
    """The maturity table: the drivers' names and, per assessment date, each driver's % (None if none)."""
    drivers = [str(column) for column in frame.columns]
    rows = [
        (on, [None if pd.isna(value) else float(value) for value in values])
        for on, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
    ]
    return drivers, rows
