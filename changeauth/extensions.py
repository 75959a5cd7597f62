"""Unbound Flask extension instances, initialised in ``create_app``."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from changeauth.openapi import ChangeauthApi

login_manager = LoginManager()
csrf = CSRFProtect()
api = ChangeauthApi()
