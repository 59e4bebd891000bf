"""Password-reset requests are limited per address, per account and per client."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse


def _ask(client, email, ip="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_an_owner_is_mailed_at_most_the_hourly_limit(client, db, settings):
    settings.MERCURY_PASSWORD_RESETS_PER_HOUR = 2
    get_user_model().objects.create_user(
        "owner", email="owner@example.org", password="x-Long-pass-1"
    )

    answers = [_ask(client, "owner@example.org", ip=f"10.0.0.{n}").status_code for n in range(5)]

    # Every request looks the same (no hint whether the account exists), two mails go out.
    assert answers == [302] * 5
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["owner@example.org"]


def test_the_address_limit_counts_case_insensitively_and_per_address(client, db, settings):
    settings.MERCURY_PASSWORD_RESETS_PER_HOUR = 1
    user_model = get_user_model()
    user_model.objects.create_user("a", email="a@example.org", password="x-Long-pass-1")
    user_model.objects.create_user("b", email="b@example.org", password="x-Long-pass-1")

    _ask(client, "a@example.org")
    _ask(client, "A@Example.org")
    _ask(client, "b@example.org")

    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]


def test_a_client_flooding_reset_requests_gets_429(client, db, settings):
    settings.MERCURY_PASSWORD_RESET_REQUESTS_PER_HOUR = 3

    statuses = [_ask(client, f"nobody{n}@example.org").status_code for n in range(5)]

    assert statuses == [302, 302, 302, 429, 429]
    refused = _ask(client, "x@example.org")
    assert (
        refused["Retry-After"] == "3600" and b"Too many password-reset requests" in refused.content
    )
    assert _ask(client, "y@example.org", ip="10.9.9.9").status_code == 302  # another client
