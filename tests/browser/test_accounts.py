"""Browser: sign up, the account header, a token shown once then revoked, sign out (keyboard).

Screenshots go to var/test-artifacts/browser/.
"""

import re

from tests.browser.conftest import shot

PASSWORD = "browser-passphrase-3"


def test_sign_up_token_once_revoke_and_sign_out(transactional_db, live_server, page, settings):
    from django.contrib.auth import get_user_model

    settings.MERCURY_SUBMISSIONS_PER_DAY = 5
    settings.MERCURY_MAX_QUEUED_PER_USER = 2
    base = live_server.url
    page.goto(base + "/")
    page.get_by_role("link", name="Sign up").click()
    page.fill("#id_username", "browser-user")
    page.fill("#id_email", "browser@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.press("#id_password2", "Enter")  # submit by keyboard

    page.wait_for_url("**/accounts/profile/")
    header = page.locator(".account-nav").inner_text()
    assert "browser-user" in header and "Sign out" in header and "Sign in" not in header
    assert "5 of 5 uploads left today; 2 of 2 may be queued" in page.locator("#quota").inner_text()

    page.fill("#id_name", "from the browser")
    page.get_by_role("button", name="Create a token").click()
    key = page.locator("#new-token code").inner_text()
    assert re.fullmatch(r"mk_[0-9a-f]{40}", key)
    shot(page, "accounts-01-new-token.png")
    page.goto(base + "/accounts/profile/")
    assert key not in page.content()
    assert key[:10] in page.locator("table.tokens").inner_text()

    page.get_by_role("button", name=re.compile("Revoke the token")).click()
    page.wait_for_selector("table.tokens >> text=revoked")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert overflow <= 1, f"the profile overflows a phone's width by {overflow}px: {wide}"
    shot(page, "accounts-02-profile-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert get_user_model().objects.get(username="browser-user").api_tokens.get().revoked_at

    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert "Sign in" in page.locator(".account-nav").inner_text()
    assert page.problems == []
