"""Admin (moderation): tasks, calibrations, submissions and their results."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from portal import caching, services
from portal.models import ApiToken, Calibration, Reference, Result, Submission, Task, TestSuite


class PublicDataAdmin(admin.ModelAdmin):
    """Admin of rows the public pages show: every edit or deletion invalidates the page cache."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        caching.public_data_changed()

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        caching.public_data_changed()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        caching.public_data_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        caching.public_data_changed()


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["name", "source"]


@admin.register(Task)
class TaskAdmin(PublicDataAdmin):
    list_display = ["lc_id", "slug", "title", "difficulty", "checker", "version", "fingerprint"]
    list_filter = ["difficulty", "checker", "origin"]
    search_fields = ["slug", "title"]
    readonly_fields = ["fingerprint", "created_at", "updated_at"]
    inlines = [ReferenceInline]


@admin.register(TestSuite)
class TestSuiteAdmin(admin.ModelAdmin):
    list_display = ["task"]
    search_fields = ["task__slug"]
    list_select_related = ["task"]


@admin.register(Calibration)
class CalibrationAdmin(PublicDataAdmin):
    list_display = ["task", "host", "harness_version", "spread", "flagged", "created_at"]
    list_filter = ["flagged", "harness_version", "host"]
    search_fields = ["task__slug"]
    list_select_related = ["task"]
    readonly_fields = ["created_at"]


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    fields = ["task", "sample", "verdict", "runtime_s", "beyond", "percentile", "diagnostic"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(PublicDataAdmin):
    list_display = [
        "id",
        "model_name",
        "model_version",
        "weights",
        "user",
        "status",
        "hidden",
        "progress_done",
        "progress_total",
        "pass_at_1",
        "beyond_at_1",
        "created_at",
    ]
    list_filter = ["status", "hidden", "weights", "created_at"]
    search_fields = ["model_name", "model_version", "content_sha256", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "progress_done",
        "progress_total",
        "n_tasks",
        "n_samples",
        "pass_at_1",
        "beyond_at_1",
        "metrics",
        "error_message",
    ]
    actions = ["hide", "unhide", "requeue", "rejudge"]
    inlines = [ResultInline]

    @admin.action(description="Hide from the leaderboard")
    def hide(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            services.submission_set_hidden(submission_id=pk, hidden=True)

    @admin.action(description="Show on the leaderboard")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            services.submission_set_hidden(submission_id=pk, hidden=False)

    @admin.action(description="Re-queue (resume) failed or stuck evaluations")
    def requeue(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        moved = sum(
            services.submission_requeue(submission_id=pk)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Re-queued {moved} submission(s).", messages.INFO)

    @admin.action(description="Rejudge finished submissions from scratch")
    def rejudge(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        moved = sum(
            services.submission_rejudge(submission_id=pk)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Queued {moved} submission(s) for rejudging.", messages.INFO)


@admin.register(Result)
class ResultAdmin(PublicDataAdmin):
    list_display = [
        "submission",
        "task",
        "sample",
        "verdict",
        "runtime_s",
        "beyond",
        "percentile",
        "attempts",
    ]
    list_filter = ["verdict", "task__difficulty"]
    search_fields = ["submission__model_name", "task__slug"]
    list_select_related = ["submission", "task"]
    raw_id_fields = ["submission", "task"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    readonly_fields = ["key", "created_at", "last_used_at"]
    fields = ["user", "key", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: object, change: bool) -> None:
        if not obj.key:
            obj.key = services.api_token_new_key()
        super().save_model(request, obj, form, change)
