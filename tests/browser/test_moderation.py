"""Browser: a moderator hides an entry through the admin, with a reason; the owner sees why."""

from tests.browser.conftest import draw_charts, sign_in


def test_moderator_hides_an_entry_with_a_reason_and_the_owner_sees_it(
    site, live_server, page, django_user_model
):
    from portal.models import AuditLog, Submission
    from portal.services.accounts import moderators_group_ensure

    owner = django_user_model.objects.create_user("owner", password="owner-password-1")
    moderator = django_user_model.objects.create_user(
        "moderator", password="moderator-password-1", is_staff=True
    )
    # The group comes from a migration, which a transactional test's flush removes.
    moderator.groups.add(moderators_group_ensure())
    entry = Submission.objects.get(model_name="steady-model")
    Submission.objects.filter(pk=entry.pk).update(user=owner)
    base = live_server.url

    sign_in(page, base, moderator)
    page.goto(f"{base}/admin/portal/submission/?moderation__exact=approved")
    page.check(f"input[name=_selected_action][value='{entry.pk}']")
    page.select_option("select[name=action]", "hide")
    page.click("button[name=index]")
    page.wait_for_selector("textarea[name=reason]")
    page.fill("textarea[name=reason]", "the model card link is broken")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist")

    assert "Hide: 1 submission(s)." in page.locator(".messagelist").inner_text()
    assert AuditLog.objects.get().reason == "the model card link is broken"
    # Django's admin pages have no favicon link: the browser's /favicon.ico 404 is not ours.
    page.problems.clear()
    page.goto(f"{base}/")
    assert "steady-model" not in page.locator("table.leaderboard").inner_text()
    draw_charts(page)  # leaving while a chart loads would abort its request

    page.context.clear_cookies()
    sign_in(page, base, owner)
    page.goto(f"{base}/submissions/{entry.pk}/")
    notice = page.locator("#moderation-notice").inner_text()
    assert "hid this entry" in notice and "the model card link is broken" in notice
    assert page.problems == [], page.problems
