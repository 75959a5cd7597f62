"""Developer tools: the worked example (``changeauth demo``, ``changeauth seed demo``) and a council at
scale for benchmarks and load tests (``changeauth demo-data``).

This is the top layer of the import contract (``pyproject.toml``): it may use every other layer, and
nothing in the application imports it. Its commands reach the ``changeauth`` console script through
the ``flask.commands`` entry points declared in ``pyproject.toml`` (see ``changeauth.devtools.cli``).
"""
