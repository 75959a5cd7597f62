"""``/healthz`` (live: the process answers), ``/healthz/ready`` (ready: the database answers) (RES-05),
and ``/metrics`` for Prometheus (docs/operations.md#metrics)."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from changeauth import metrics as metrics_module
from changeauth.queries.health import database_ready, metrics_figures

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def live() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@bp.route("/healthz/ready")
def ready() -> ResponseReturnValue:
    if database_ready():
        return jsonify({"status": "ok"})
    return jsonify({"status": "unavailable"}), 503


def _may_scrape() -> bool:
    """A bearer token equal to ``CHANGEAUTH_METRICS_TOKEN``, or a client in the networks allowed."""
    token = current_app.config.get("METRICS_TOKEN")
    offered = request.headers.get("Authorization", "")
    if token and offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].encode(), token.encode()):
        return True
    networks = current_app.config.get("METRICS_ALLOWED_NETWORKS") or []
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)


@bp.route("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus text format; not found for anyone without the token or an allowed address."""
    if not _may_scrape():
        abort(404)
    body, content_type = metrics_module.exposition(metrics_figures)
    return Response(body, content_type=content_type)
