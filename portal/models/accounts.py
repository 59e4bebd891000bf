"""Account models: what the portal keeps about a user beyond Django's auth, API tokens."""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the portal keeps about a user beyond Django's auth: trust and notifications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mercury_profile"
    )
    trusted = models.BooleanField(
        default=False, help_text="Submissions of trusted users are approved without review."
    )
    notify_by_email = models.BooleanField(
        default=True, help_text="E-mail the user when an evaluation finishes or fails."
    )

    def __str__(self) -> str:
        return f"profile of {self.user}"


class ApiToken(models.Model):
    """A key a user's scripts send as `Authorization: Token <key>`; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    prefix = models.CharField(
        max_length=12, default="", help_text="The key's first characters, to tell it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
