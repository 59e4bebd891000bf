"""URL configuration: pages, the JSON API, the admin and django-rq's dashboard."""

from django.contrib import admin
from django.urls import include, path

from portal import api, views

portal_patterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("leaderboard.csv", views.leaderboard_csv, name="leaderboard_csv"),
    path("upload/", views.upload, name="upload"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/status/", views.submission_status, name="submission_status"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<slug:slug>/", views.task_detail, name="task_detail"),
    path("api/leaderboard/", api.leaderboard, name="api_leaderboard"),
    path("api/tasks/", api.tasks, name="api_tasks"),
    path("api/submissions/", api.submissions, name="api_submissions"),
    path("api/submissions/<int:pk>/", api.submission, name="api_submission"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
