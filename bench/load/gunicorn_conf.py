"""gunicorn settings for the load test: each worker says when it has loaded the app.

The runner starts locust only once every worker has, so no simulated person waits for a worker that is
still importing the app (which takes seconds on a busy machine) and the run measures a warm server.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

READY = "load test: worker ready"

# The project's own settings (metrics in multiprocess mode), so the load test measures what production runs.
_PROJECT = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
on_starting = _PROJECT["on_starting"]
child_exit = _PROJECT["child_exit"]
on_exit = _PROJECT["on_exit"]


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, called in each worker after the app is loaded."""
    worker.log.info("%s (pid %s)", READY, worker.pid)
