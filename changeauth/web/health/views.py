"""``/healthz`` (live: the process answers) and ``/healthz/ready`` (ready: the database answers) (RES-05)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from changeauth.queries.health import database_ready

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def live() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@bp.route("/healthz/ready")
def ready() -> ResponseReturnValue:
    if database_ready():
        return jsonify({"status": "ok"})
    return jsonify({"status": "unavailable"}), 503
