"""Every scheduled job has a title in words for the pages (the job runs page, the administrator's Home)."""

from __future__ import annotations

from changeauth.domain.job_titles import JOB_TITLES, job_title
from changeauth.jobs import REGISTRY


def test_every_scheduled_job_has_a_title_and_no_title_is_left_over() -> None:
    assert set(JOB_TITLES) == set(REGISTRY)
    assert all(title[0].isupper() and "-" not in title for title in JOB_TITLES.values())


def test_a_job_no_longer_registered_still_reads_in_words() -> None:
    assert job_title("stale-benefits") == "Overdue benefit measurements"
    assert job_title("rebuild-search-index") == "Rebuild search index"
