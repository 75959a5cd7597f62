"""What each scheduled job is called on pages: a job's id (``stale-benefits``) is for the command line
and the logs; administrators read these words."""

from __future__ import annotations

JOB_TITLES = {
    "stale-benefits": "Overdue benefit measurements",
    "benefits-out-of-tolerance": "Benefits further behind plan than their tolerance",
    "temporary-resources": "Temporary resources ending or past their end date",
    "overdue-conditions": "Conditions past their due date",
    "hold-reviews": "Holds past their review date",
    "triage-sla": "Ideas waiting too long for triage",
    "send-notifications": "Sending email notifications",
    "anonymise-leavers": "Anonymising people who have left",
    "apply-retention": "Deleting records past their retention period",
    "verify-audit-chain": "Checking the audit log has not been altered",
}


def job_title(job: str) -> str:
    """The job's title in words; a job not listed (one since removed) reads as its id with spaces."""
    return JOB_TITLES.get(job, job.replace("-", " ").capitalize())
