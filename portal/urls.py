"""URL configuration: pages, downloads, the JSON API, the admin and django-rq's dashboard."""

from django.contrib import admin
from django.urls import include, path

from portal import api, views
from portal.views import accounts, moderation as moderation_views, pages, uploads

portal_patterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("leaderboard.csv", views.leaderboard_csv, name="leaderboard_csv"),
    path("leaderboard.json", views.leaderboard_json, name="leaderboard_json"),
    path("leaderboard/chart/", views.leaderboard_chart, name="leaderboard_chart"),
    path(
        "leaderboard/percentiles/",
        views.leaderboard_percentiles,
        name="leaderboard_percentiles",
    ),
    path("prompts.jsonl", views.prompts_jsonl, name="prompts_jsonl"),
    path("examples/completions.jsonl", pages.example_completions, name="example_completions"),
    path("compare/", views.compare, name="compare"),
    path("upload/", uploads.upload, name="upload"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/status/", views.submission_status, name="submission_status"),
    path(
        "submissions/<int:pk>/results.csv",
        views.submission_results_csv,
        name="submission_results_csv",
    ),
    path(
        "submissions/<int:pk>/results.json",
        views.submission_results_json,
        name="submission_results_json",
    ),
    path(
        "submissions/<int:pk>/charts/<slug:name>/",
        views.submission_chart,
        name="submission_chart",
    ),
    path("submissions/<int:pk>/bundle.zip", views.submission_bundle, name="submission_bundle"),
    path(
        "submissions/<int:pk>/results/<int:result_pk>/code/",
        views.result_code,
        name="result_code",
    ),
    path("submissions/<int:pk>/flag/", moderation_views.submission_flag, name="submission_flag"),
    path("moderation/", moderation_views.moderation_log, name="moderation_log"),
    path("about/", pages.about, name="about"),
    path("docs/api/", pages.docs_api, name="docs_api"),
    path("docs/openapi.yaml", pages.openapi_yaml, name="openapi_yaml"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<slug:slug>/", views.task_detail, name="task_detail"),
    path("tasks/<slug:slug>/chart/", views.task_chart, name="task_chart"),
    path("api/leaderboard/", api.leaderboard, name="api_leaderboard"),
    path("api/tasks/", api.tasks, name="api_tasks"),
    path("api/submissions/", api.submissions, name="api_submissions"),
    path("api/submissions/validate/", api.submissions_validate, name="api_submissions_validate"),
    path("api/submissions/<int:pk>/", api.submission, name="api_submission"),
    path(
        "api/submissions/<int:pk>/results/", api.submission_results, name="api_submission_results"
    ),
    path("api/tasks/<slug:slug>/", api.task, name="api_task"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/profile/tokens/", accounts.api_token_create, name="token_create"),
    path(
        "accounts/profile/tokens/<int:pk>/revoke/",
        accounts.api_token_revoke,
        name="token_revoke",
    ),
    path("accounts/profile/notifications/", accounts.notifications, name="notifications"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    # The reset request is rate-limited; the rest are Django's (templates/registration/).
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    # login, logout (POST), password_change, password_reset's later steps, ...
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
