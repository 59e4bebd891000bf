"""System checks of the accounts, quota and mail settings."""

from portal import checks


def test_negative_quotas_and_a_bad_base_url_are_errors(settings):
    settings.MERCURY_SUBMISSIONS_PER_DAY = -1
    settings.MERCURY_BASE_URL = "mercury.example.org"

    ids = [message.id for message in checks.check_accounts(None)]

    assert ids == ["portal.E010", "portal.E011"]


def test_default_accounts_settings_pass(settings):
    settings.MERCURY_BASE_URL = "https://mercury.example.org/leaderboard"

    assert checks.check_accounts(None) == []


def test_console_mail_is_a_deploy_warning(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    console = [message.id for message in checks.check_mail_backend(None)]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "smtp.example.org"},
        }
    }

    assert console == ["portal.W010"]
    assert checks.check_mail_backend(None) == []
