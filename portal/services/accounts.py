"""Writes about users: API tokens (stored hashed, shown once) and profiles."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from portal.models import ApiToken, Profile

# Keys look like "mk_<40 hex>"; the prefix makes a leaked key recognisable in logs and scanners.
KEY_PREFIX = "mk_"
SHOWN_PREFIX_CHARS = 10


class SignupClosed(Exception):
    """Visitors may not create accounts here (MERCURY_SIGNUP_OPEN is off)."""


@dataclass(frozen=True)
class NewApiToken:
    """A token just created: `key` exists only here, the database keeps its hash."""

    token: ApiToken
    key: str


def api_token_hash(key: str) -> str:
    """The SHA-256 (hex) under which a key is stored and looked up."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: AbstractBaseUser, name: str = "") -> NewApiToken:
    """Create a token for the user and return it with its key, which is never stored."""
    key = KEY_PREFIX + secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        key_hash=api_token_hash(key),
        prefix=key[:SHOWN_PREFIX_CHARS],
    )
    return NewApiToken(token=token, key=key)


def api_token_revoke(*, user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of the user's own active tokens; False if there is no such token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def api_token_authenticate(*, header: str) -> AbstractBaseUser | None:
    """The active user whose unrevoked token the `Authorization: Token <key>` header carries."""
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "token" or not key or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_token_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def profile_of(*, user: AbstractBaseUser) -> Profile:
    """The user's profile, created with the defaults on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_set_notify(*, user: AbstractBaseUser, notify_by_email: bool) -> Profile:
    """Turn the user's e-mail on finished or failed evaluations on or off."""
    profile = profile_of(user=user)
    profile.notify_by_email = notify_by_email
    profile.save(update_fields=["notify_by_email"])
    return profile


def user_signup(*, username: str, email: str, password: str) -> AbstractBaseUser:
    """Create a visitor's account (not staff, not trusted) with its profile.

    The password is validated by the form beforehand; raises `SignupClosed` when sign-up is off.
    """
    if not settings.MERCURY_SIGNUP_OPEN:
        raise SignupClosed(
            "Sign-up is closed on this leaderboard; ask its operators for an account."
        )
    with transaction.atomic():
        user = get_user_model().objects.create_user(username, email=email, password=password)
        Profile.objects.create(user=user)
    return user


MODERATORS_GROUP = "Moderators"
# (app, model, actions) the Moderators group may use in the admin. Viewing users is enough for
# the trust actions; "change" would let a moderator grant themselves permissions.
MODERATOR_PERMISSIONS = [
    ("portal", "submission", ("view", "change")),
    ("portal", "result", ("view",)),
    ("portal", "flag", ("view", "change")),
    ("portal", "auditlog", ("view",)),
    ("portal", "rejudgebatch", ("view",)),
    ("portal", "task", ("view",)),
    ("portal", "calibration", ("view",)),
    ("auth", "user", ("view",)),
]


def moderators_group_ensure(*, group_model: Any = None, permission_model: Any = None) -> Any:
    """The Moderators group with its permissions, created or completed (idempotent).

    The model classes can be given, so that migration 0004 uses its historical ones.
    """
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    group, _ = group_model.objects.get_or_create(name=MODERATORS_GROUP)
    for app_label, model, actions in MODERATOR_PERMISSIONS:
        for action in actions:
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            ).first()
            if permission is not None:
                group.permissions.add(permission)
    return group


# Password resets: requests counted per hour for each e-mail address, account and client.
PASSWORD_RESET_WINDOW_S = 3600


def password_reset_count(*, kind: str, value: str, limit: int) -> bool:
    """Count one password-reset request for `value` (an address, an account, a client) and say
    whether it is within `limit` an hour (0: no limit).

    Fixed hourly windows in the cache. A cache that is down lets the request through: Django's
    own reset tokens stay one-use and short-lived either way.
    """
    if limit <= 0:
        return True
    window = int(timezone.now().timestamp()) // PASSWORD_RESET_WINDOW_S
    digest = hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()[:32]
    key = f"password-reset:{digest}:{window}"
    try:
        cache.add(key, 0, timeout=PASSWORD_RESET_WINDOW_S + 60)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - any cache failure: do not block a person's reset
        return True
    return int(count) <= limit
