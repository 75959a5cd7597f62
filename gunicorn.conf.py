"""gunicorn settings, read by ``gunicorn wsgi:app`` from the working directory (docs/operations.md).

Prometheus metrics in multiprocess mode: every worker counts into files of its own in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up, whichever worker answers the scrape. The
directory is made here when the environment does not name one, emptied when gunicorn starts (counters
begin again with the server, as Prometheus expects), and a worker that exits is marked dead so its
live gauges (connections in use) stop counting while its counters are kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="changeauth-metrics-"))


def on_starting(server: Any) -> None:
    """Before the workers start: an empty metrics directory."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        path.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker has gone: its live gauges no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """gunicorn is stopping: remove a directory it made itself."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if Path(directory).name.startswith("changeauth-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)
