"""Settings helpers, system checks and the plotly.js static file."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from portal import checks
from portal.settings import env_bool, env_int, redis_url_with_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("no", False)],
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)

    assert env_bool("X_FLAG", not expected) is expected


def test_env_defaults_when_unset_or_empty(monkeypatch):
    monkeypatch.setenv("X_EMPTY", "")
    monkeypatch.delenv("X_UNSET", raising=False)

    assert env_bool("X_EMPTY", True) is True
    assert env_int("X_UNSET", 7) == 7


def test_dev_secret_key_warns_with_debug_off(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEV_SECRET_KEY

    assert [m.id for m in checks.check_secret_key(None)] == ["portal.W001"]

    settings.SECRET_KEY = "a-real-secret"
    assert checks.check_secret_key(None) == []


def test_plotly_js_is_our_partial_bundle_of_the_version_plotly_builds_for():
    import plotly

    found = finders.find("vendor/plotly-basic.min.js")

    assert found and found.endswith("static/vendor/plotly-basic.min.js")
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.search(r"plotly\.js v([\d.]+)", full.read_text()[:300])
    basic = re.search(r"plotly\.js \(basic - minified\) v([\d.]+)", Path(found).read_text()[:300])
    assert version and basic and basic.group(1) == version.group(1)
    assert finders.find("vendor/plotly.min.js") in (None, [], "")


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379/0", 1, "redis://127.0.0.1:6379/1"),
        ("redis://:secret@10.0.0.5:6379", 1, "redis://:secret@10.0.0.5:6379/1"),
        (
            "rediss://cache.example.org:6380/3?ssl_cert_reqs=none",
            4,
            "rediss://cache.example.org:6380/4?ssl_cert_reqs=none",
        ),
    ],
)
def test_the_page_cache_gets_its_own_redis_database(url, db, expected):
    assert redis_url_with_db(url, db) == expected
