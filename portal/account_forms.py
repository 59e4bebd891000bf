"""Forms of the accounts pages: sign-up with an e-mail address, API tokens, notifications."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm

from portal.services.accounts import password_reset_count


class SignUpForm(UserCreationForm):  # type: ignore[type-arg]
    """Username, e-mail (for password resets and notifications) and the password twice."""

    email = forms.EmailField(
        label="E-mail",
        help_text="For password resets and, if you like, a mail when an evaluation finishes.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address exists already.")
        return email


class ApiTokenForm(forms.Form):
    """The name of a new API token."""

    name = forms.CharField(
        label="Name of a new token",
        max_length=100,
        required=False,
        strip=True,
        help_text="What the token is for, e.g. “CI on my laptop”.",
    )


class NotificationForm(forms.Form):
    """Whether to e-mail the user when an evaluation finishes or fails."""

    notify_by_email = forms.BooleanField(
        required=False, label="E-mail me when an evaluation of mine finishes or fails"
    )


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form that mails an address, and an account, at most
    MERCURY_PASSWORD_RESETS_PER_HOUR times an hour; beyond that it sends nothing, silently
    (the page never says whether an account exists)."""

    def get_users(self, email):  # type: ignore[no-untyped-def]
        limit = settings.MERCURY_PASSWORD_RESETS_PER_HOUR
        if not password_reset_count(kind="address", value=email, limit=limit):
            return
        for user in super().get_users(email):
            if password_reset_count(kind="account", value=str(user.pk), limit=limit):
                yield user
