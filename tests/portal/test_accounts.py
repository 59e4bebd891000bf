"""Accounts: sign-up, sign-in and out, password change and reset, the header, the profile."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal.models import ApiToken, Profile
from portal.services.accounts import (
    SignupClosed,
    api_token_authenticate,
    api_token_create,
    user_signup,
)

User = get_user_model()
PASSWORD = "a-long-passphrase-7"


@pytest.fixture
def alice(db):
    user = User.objects.create_user("alice", email="alice@example.org", password=PASSWORD)
    Profile.objects.create(user=user)
    return user


def _signup(client, **fields):
    data = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(reverse("portal:signup"), data)


def test_signup_creates_the_account_signs_it_in_and_opens_the_profile(client, db):
    response = _signup(client)

    user = User.objects.get(username="newbie")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:profile")
    assert user.email == "newbie@example.org"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert Profile.objects.get(user=user).trusted is False
    assert client.get(reverse("portal:profile")).status_code == 200


def test_signup_requires_an_email_and_matching_passwords(client, db):
    response = _signup(client, email="", password2="something-else-1")

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "password2"}
    assert not User.objects.filter(username="newbie").exists()


def test_signup_refuses_an_email_already_in_use(client, alice):
    response = _signup(client, email="ALICE@example.org")

    assert response.status_code == 400
    assert "exists already" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_can_be_closed(client, db, settings):
    settings.MERCURY_SIGNUP_OPEN = False

    page = client.get(reverse("portal:signup"))
    response = _signup(client)

    assert page.status_code == 403
    assert "Sign-up is closed" in page.content.decode()
    assert response.status_code == 403
    assert not User.objects.exists()
    assert 'href="/accounts/signup/"' not in client.get(reverse("login")).content.decode()


def test_user_signup_service_refuses_when_closed(db, settings):
    settings.MERCURY_SIGNUP_OPEN = False

    with pytest.raises(SignupClosed):
        user_signup(username="x", email="x@example.org", password=PASSWORD)
    assert not User.objects.exists()


def test_login_goes_to_the_profile_and_logout_is_a_post(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:profile")
    header = client.get(reverse("portal:leaderboard")).content.decode()
    assert "alice" in header and 'action="/accounts/logout/"' in header
    assert client.get(reverse("logout")).status_code == 405

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("portal:profile"))["Location"].startswith(reverse("login"))


def test_login_with_a_wrong_password_stays_on_the_form(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_lock_out_that_account_from_that_address(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    elsewhere = Client(REMOTE_ADDR="192.0.2.9").post(
        reverse("login"), {"username": "alice", "password": PASSWORD}
    )
    admin = client.post(reverse("admin:login"), {"username": "alice", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert elsewhere.status_code == 302  # the lock is per account and address
    assert admin.status_code == 429  # the admin's sign-in is covered too


def test_a_successful_sign_in_clears_the_failures(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    client.post(reverse("logout"))
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302


def test_header_links_by_kind_of_visitor(client, alice, admin_user):
    anonymous = client.get(reverse("portal:leaderboard")).content.decode()
    client.force_login(alice)
    member = client.get(reverse("portal:leaderboard")).content.decode()
    client.force_login(admin_user)
    staff = client.get(reverse("portal:leaderboard")).content.decode()

    assert ">Sign in</a>" in anonymous and ">Sign up</a>" in anonymous
    assert "Sign out" not in anonymous and 'href="/admin/"' not in anonymous
    assert ">Profile</a>" in member and "Sign out" in member and ">Sign in</a>" not in member
    assert 'href="/admin/"' not in member
    assert 'href="/admin/"' in staff


def test_password_change(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-passphrase-8",
            "new_password2": "another-passphrase-8",
        },
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-passphrase-8")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "Mercury Leaderboard: reset your password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-passphrase-9", "new_password2": "reset-passphrase-9"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("reset-passphrase-9")


def test_password_reset_for_an_unknown_address_sends_nothing(client, alice, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert mailoutbox == []


def test_profile_requires_sign_in(client, db):
    response = client.get(reverse("portal:profile"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('portal:profile')}"


def test_token_key_is_shown_once_then_only_its_prefix(client, alice):
    client.force_login(alice)

    created = client.post(reverse("portal:token_create"), {"name": "laptop"})

    token = ApiToken.objects.get(user=alice)
    key = created.context["new_token"].key
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    assert key in created.content.decode()
    assert "shown only this once" in created.content.decode()
    assert api_token_authenticate(header=f"Token {key}") == alice
    later = client.get(reverse("portal:profile")).content.decode()
    assert key not in later
    assert token.prefix in later and "laptop" in later
    assert token.key_hash != key


def test_revoke_a_token_from_the_profile(client, alice):
    issued = api_token_create(user=alice, name="ci")
    client.force_login(alice)

    response = client.post(reverse("portal:token_revoke", args=[issued.token.pk]))

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert api_token_authenticate(header=f"Token {issued.key}") is None
    assert "revoked" in client.get(reverse("portal:profile")).content.decode()


def test_revoke_refuses_another_users_token_and_a_get(client, alice):
    other = User.objects.create_user("mallory", password=PASSWORD)
    issued = api_token_create(user=alice)
    client.force_login(other)

    assert client.get(reverse("portal:token_revoke", args=[issued.token.pk])).status_code == 405
    client.post(reverse("portal:token_revoke", args=[issued.token.pk]))

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_notification_preference_is_editable(client, alice):
    client.force_login(alice)

    client.post(reverse("portal:notifications"), {})
    off = Profile.objects.get(user=alice).notify_by_email
    client.post(reverse("portal:notifications"), {"notify_by_email": "on"})

    assert off is False
    assert Profile.objects.get(user=alice).notify_by_email is True


def test_profile_lists_own_submissions_in_every_state_with_the_reason(
    client, alice, make_task, create_submission
):
    make_task(slug="alpha")
    row = [{"task_id": "alpha", "completion": "x"}]
    create_submission(row, model_name="mine-public", user=alice, moderation="approved")
    hidden = create_submission(row, model_name="mine-hidden", user=alice, moderation="hidden")
    hidden.moderation_reason = "suspected copy of the references"
    hidden.save(update_fields=["moderation_reason"])
    create_submission(row, model_name="mine-pending", user=alice, moderation="pending")
    create_submission(row, model_name="someone-else", moderation="approved")
    client.force_login(alice)

    body = client.get(reverse("portal:profile")).content.decode()

    for name in ("mine-public", "mine-hidden", "mine-pending"):
        assert name in body
    assert "someone-else" not in body
    assert "suspected copy of the references" in body
    assert hidden.get_absolute_url() in body
    assert "Hidden" in body and "Pending" in body


def test_sign_in_link_returns_to_the_page_but_not_to_an_account_page(client, db):
    tasks = client.get(reverse("portal:task_list")).content.decode()
    login = client.get(reverse("login")).content.decode()

    assert 'href="/accounts/login/?next=/tasks/"' in tasks
    assert 'href="/accounts/login/"' in login and "?next=/accounts/login/" not in login


def test_profile_lists_the_newest_submissions_up_to_its_limit(
    client, alice, make_task, create_submission, monkeypatch
):
    from portal.views import accounts

    monkeypatch.setattr(accounts, "PROFILE_SUBMISSIONS", 2)
    make_task(slug="alpha")
    for name in ("entry-one", "entry-two", "entry-three"):
        create_submission([{"task_id": "alpha", "completion": "x"}], model_name=name, user=alice)
    client.force_login(alice)

    body = client.get(reverse("portal:profile")).content.decode()

    assert "entry-three" in body and "entry-two" in body and "entry-one" not in body
    assert "The newest 2 of 3." in body
