"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` (Authlib's own server code)
served on a free port of this machine, in a thread of the test process. Nothing reaches the internet.

People are registered with the claims the provider will put in their ID token (``set_user``). The
provider signs its tokens with its own RSA key and publishes it at ``/jwks``, as a real provider does.
To test refusals, ``tamper`` rewrites the ID token in the token endpoint's answer (another issuer, an
expiry in the past, or a signature from a key the provider never published), the way a forged or
stale answer would arrive.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import oidc_provider_mock
from flask import Flask, Response, g, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

ClaimsTamper = Callable[[dict[str, Any]], dict[str, Any]]


class InProcessProvider:
    def __init__(self) -> None:
        self.app: Flask = oidc_provider_mock.app(require_nonce=True)
        self.app.after_request(self._rewrite_id_token)
        self.url = ""
        self.tamper: ClaimsTamper | None = None
        self.forge_signature = False
        # The issuer the discovery document names, when a test needs another (Entra ID's template).
        self.metadata_issuer: str | None = None

    # The provider's own key, as a joserfc key (the mock keeps an Authlib key in its per-app storage).
    @staticmethod
    def _provider_key() -> RSAKey:
        return RSAKey.import_key(g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))

    def _rewrite_id_token(self, response: Response) -> Response:
        if request.path == "/.well-known/openid-configuration" and self.metadata_issuer:
            document = json.loads(response.get_data())
            document["issuer"] = self.metadata_issuer
            response.set_data(json.dumps(document))
            return response
        if request.path != "/oauth2/token" or response.status_code != 200:
            return response
        if self.tamper is None and not self.forge_signature:
            return response
        body = json.loads(response.get_data())
        key = self._provider_key()
        token = jwt.decode(body["id_token"], key)
        claims = dict(token.claims)
        if self.tamper is not None:
            claims = self.tamper(claims)
        signing_key = key
        if self.forge_signature:
            # Same key id, another key: what a forger without the provider's private key can do.
            kid = token.header.get("kid")
            signing_key = RSAKey.generate_key(2048, parameters={"kid": kid} if kid else None)
        body["id_token"] = jwt.encode(dict(token.header), claims, signing_key)
        response.set_data(json.dumps(body))
        return response

    def set_user(self, sub: str, **claims: Any) -> None:
        """Register (or replace) a person and the claims of their ID token."""
        answer = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        answer.raise_for_status()

    def reset(self) -> None:
        self.tamper = None
        self.forge_signature = False


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def running_provider() -> Iterator[InProcessProvider]:
    """Serve the provider on 127.0.0.1 at a free port until the block ends."""
    provider = InProcessProvider()
    server = make_server("127.0.0.1", 0, provider.app, threaded=True, request_handler=_QuietHandler)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
