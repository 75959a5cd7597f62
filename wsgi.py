"""WSGI entry point for gunicorn or waitress: ``gunicorn wsgi:app``.

Each server process fills its caches of derived views before serving (``CHANGEAUTH_WARM_UP``, on by
default outside tests), so nobody waits behind the first backlog or dashboard view of a new worker.
What is loaded by then (the app, its modules and those caches) is then left out of the garbage
collector's full sweeps (``gc.freeze``): they last as long as the process, and at council scale
sweeping them made every later recomputation of a cached view about a third slower.
"""

import gc

from changeauth import create_app
from changeauth.web.warm_up import warm_derived_views

app = create_app()
if app.config["WARM_UP"]:
    warm_derived_views(app)
gc.freeze()
