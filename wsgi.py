"""WSGI entry point for gunicorn or waitress: ``gunicorn wsgi:app``.

Nothing derived is kept per process (the backlog's keys, the similar-work index and the shared views
are in the database, worked out once per change for every process), so a new process has nothing to
fill before serving. What is loaded by then (the app and its modules) is left out of the garbage
collector's full sweeps (``gc.freeze``): it lasts as long as the process.
"""

import gc

from changeauth import create_app

app = create_app()
gc.freeze()
