"""WSGI entry point for gunicorn or waitress: ``gunicorn wsgi:app``.

Each server process fills its caches of derived views before serving (``CHANGEAUTH_WARM_UP``, on by
default outside tests), so nobody waits behind the first backlog or dashboard view of a new worker.
"""

from changeauth import create_app
from changeauth.web.warm_up import warm_derived_views

app = create_app()
if app.config["WARM_UP"]:
    warm_derived_views(app)
