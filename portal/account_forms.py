"""Forms of the accounts pages: sign-up with an e-mail address, API tokens, notifications."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


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
