"""The task list: per task, solve rate and mean Beyond across public models; filter and sort."""

from django.urls import reverse

from portal import selectors


def test_solve_rate_and_mean_beyond_average_over_public_models(
    client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha", difficulty="Hard")
    make_task(slug="beta")
    for name, code, moderation in (
        ("fast", "FAST", "approved"),
        ("wrong", "WRONG", "approved"),
        ("hidden", "FAST", "pending"),  # not public: not counted
    ):
        submission = create_submission(
            [{"task_id": "alpha", "completion": code}], model_name=name, moderation=moderation
        )
        evaluate(submission.pk)

    tasks = {task.slug: task for task in selectors.task_list()}

    assert (tasks["alpha"].models, tasks["alpha"].solve_rate, tasks["alpha"].mean_beyond) == (
        2,
        0.5,
        0.5,
    )
    assert (tasks["beta"].models, tasks["beta"].solve_rate, tasks["beta"].mean_beyond) == (
        0,
        None,
        None,
    )
    page = client.get(reverse("portal:task_list")).content.decode()
    assert 'data-sort-solve="0.5000"' in page and 'data-difficulty="Hard"' in page
    assert 'data-table-filter="tasks-table"' in page and "table-filter.js" in page
