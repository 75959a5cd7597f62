"""Forms for signing in, the second factor, and setting a password from a link."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from changeauth.domain.passwords import MIN_LENGTH

NEW_PASSWORD_HINT = (
    f"At least {MIN_LENGTH} characters. Long is better than complicated: three or four random words work "
    "well. Spaces and any characters are fine, and you may paste from a password manager."
)


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    # The length limit is the policy's maximum plus slack: a longer value is simply a wrong password.
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
        validators=[DataRequired("Enter the code from your authenticator app."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        description="We will send a link to choose a new password, if there is an account for this address.",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class NewPasswordForm(FlaskForm):
    """A new password typed twice. Checked against the policy by the service, exactly as typed."""

    new_password = PasswordField(
        "New password",
        description=NEW_PASSWORD_HINT,
        # No form-level length limit: the service states the policy's limits in its own words.
        validators=[DataRequired("Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("new_password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
