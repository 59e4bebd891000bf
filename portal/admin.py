"""Admin: tasks, calibrations, submissions and results; moderation, flags, audit log, trust."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Model, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from evaluator.metrics import METRICS, Metric
from portal import caching
from portal.models import (
    ApiToken,
    AuditLog,
    Calibration,
    Flag,
    ModerationAction,
    Profile,
    Reference,
    RejudgeBatch,
    Result,
    Submission,
    Task,
    TestSuite,
)
from portal.services.evaluation import submission_requeue
from portal.services.moderation import (
    TRANSITIONS,
    ModerationError,
    flag_resolve,
    rejudge_batch_create,
    submission_moderate,
    submission_rejudge_recorded,
    user_set_trusted,
)
from portal.templatetags.portal_format import pct, percent

User = get_user_model()


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
    fields = ["task", "sample", "verdict", "runtime_s", "beyond_score", "beats", "diagnostic"]
    readonly_fields = fields

    @admin.display(description="Beyond (0-100)")
    def beyond_score(self, obj: Result) -> str:
        return pct(obj.beyond)

    @admin.display(description="beats (% of references)")
    def beats(self, obj: Result) -> str:
        return percent(obj.percentile)

    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OpenFlagsFilter(admin.SimpleListFilter):
    title = "flags"
    parameter_name = "flagged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "has open flags")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet:
        if self.value() == "open":
            return queryset.filter(flags__resolved_at__isnull=True).distinct()
        return queryset


def _scaled_name(metric: Metric) -> str:
    return f"{metric.field}_0_100"


def _scaled_column(metric: Metric) -> Callable[[Any, Submission], str]:
    """A registered metric on the 0-100 scale, as on the pages and in the CSV (`metrics` and
    the columns keep 0..1)."""

    @admin.display(description=f"{metric.label} (0-100)", ordering=metric.field)
    def column(self: Any, obj: Submission) -> str:
        return pct(getattr(obj, metric.field))

    column.__name__ = _scaled_name(metric)
    return column


@admin.register(Submission)
class SubmissionAdmin(PublicDataAdmin):
    list_display = [
        "id",
        "model_name",
        "model_version",
        "weights",
        "user",
        "status",
        "moderation",
        "open_flags",
        "progress_done",
        "progress_total",
        *(_scaled_name(metric) for metric in METRICS),
        "created_at",
    ]
    list_filter = [
        "moderation",
        "status",
        OpenFlagsFilter,
        "weights",
        "harness_version",
        "host",
        "created_at",
    ]
    search_fields = ["model_name", "model_version", "content_sha256", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [
        "status",
        "moderation",
        "moderation_reason",
        "moderated_at",
        "moderated_by",
        "created_at",
        "started_at",
        "finished_at",
        "progress_done",
        "progress_total",
        "n_tasks",
        "n_samples",
        *(_scaled_name(metric) for metric in METRICS),
        "metrics",
        "error_message",
    ]
    actions = [
        "approve",
        "hide",
        "reject",
        "reopen",
        "rejudge",
        "rejudge_in_background",
        "requeue",
    ]
    inlines = [ResultInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return (
            super()
            .get_queryset(request)
            .annotate(open_flag_count=Count("flags", filter=Q(flags__resolved_at__isnull=True)))
        )

    @admin.display(description="open flags", ordering="open_flag_count")
    def open_flags(self, obj: Submission) -> int:
        return getattr(obj, "open_flag_count", 0)

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet[Submission], action: str
    ) -> TemplateResponse | None:
        """Ask for the reason on an intermediate page, then apply `action` to each entry."""
        form = ReasonForm(
            request.POST if "apply" in request.POST else None, required=TRANSITIONS[action][2]
        )
        if form.is_bound and form.is_valid():
            done, refused = 0, []
            for pk in queryset.values_list("pk", flat=True):
                try:
                    submission_moderate(
                        submission_id=pk,
                        actor=request.user,
                        action=action,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except ModerationError as exc:
                    refused.append(str(exc))
            label = ModerationAction(action).label
            self.message_user(request, f"{label}: {done} submission(s).", messages.SUCCESS)
            for message in refused[:20]:
                self.message_user(request, message, messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "admin/portal/moderate_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{ModerationAction(action).label}: say why",
                "action": request.POST.get("action"),
                "action_label": ModerationAction(action).label,
                "reason_required": TRANSITIONS[action][2],
                "queryset": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Approve: show on the leaderboard")
    def approve(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        return self._moderate(request, queryset, ModerationAction.APPROVE)

    @admin.action(description="Hide from the public (reason required)")
    def hide(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        return self._moderate(request, queryset, ModerationAction.HIDE)

    @admin.action(description="Reject (reason required)")
    def reject(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        return self._moderate(request, queryset, ModerationAction.REJECT)

    @admin.action(description="Back to pending review")
    def reopen(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        return self._moderate(request, queryset, ModerationAction.REOPEN)

    @admin.action(description="Re-queue (resume) failed or stuck evaluations")
    def requeue(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        moved = sum(
            submission_requeue(submission_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Re-queued {moved} submission(s).", messages.INFO)

    @admin.action(description="Rejudge now (each selected, from scratch)")
    def rejudge(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        moved = sum(
            submission_rejudge_recorded(submission_id=pk, actor=request.user, reason="admin action")
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Queued {moved} submission(s) for rejudging.", messages.INFO)

    @admin.action(description="Rejudge all matching in a background batch (with progress)")
    def rejudge_in_background(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        description = request.GET.urlencode() or "selected submissions"
        batch = rejudge_batch_create(
            actor=request.user,
            submission_ids=list(queryset.values_list("pk", flat=True)),
            description=f"filter: {description}"[:300],
            reason="admin batch rejudge",
        )
        url = reverse("admin:portal_rejudgebatch_change", args=[batch.pk])
        self.message_user(
            request,
            format_html(
                'Rejudge batch <a href="{}">#{}</a> queued for {} submission(s).',
                url,
                batch.pk,
                batch.total,
            ),
            messages.INFO,
        )


for _metric in METRICS:  # every registered metric, on the 0-100 scale
    setattr(SubmissionAdmin, _scaled_name(_metric), _scaled_column(_metric))


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
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown once, to its owner, on the profile page; staff only revoke.
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["id", "submission", "user", "short_reason", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["reason", "submission__model_name", "user__username"]
    list_select_related = ["submission", "user"]
    readonly_fields = ["submission", "user", "reason", "created_at", "resolved_at", "resolved_by"]
    fields = [*readonly_fields, "resolution"]
    actions = ["resolve"]

    @admin.display(description="reason")
    def short_reason(self, obj: Flag) -> str:
        return obj.reason[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Flag, form: Any, change: bool) -> None:
        # Saving an open flag with an answer resolves it (recorded in the audit log).
        if obj.resolved_at is None and obj.resolution.strip():
            flag_resolve(flag_id=obj.pk, actor=request.user, resolution=obj.resolution)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Resolve (no further action)")
    def resolve(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        closed = sum(
            flag_resolve(flag_id=pk, actor=request.user, resolution="resolved")
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Resolved {closed} flag(s).", messages.INFO)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "subject", "from_state", "to_state", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["subject", "reason", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    # The record of what moderators did is append-only, even for superusers.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RejudgeBatch)
class RejudgeBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "description", "status", "done", "total", "created_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = [
        "description",
        "reason",
        "status",
        "done",
        "total",
        "progress",
        "submission_ids",
        "error_message",
        "created_by",
        "created_at",
        "finished_at",
    ]

    @admin.display(description="progress")
    def progress(self, obj: RejudgeBatch) -> str:
        return f"{obj.done}/{obj.total} ({obj.progress_percent:.0f}%)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["trusted", "notify_by_email"]
    # Trust changes go through the actions, so that each one is recorded in the audit log.
    readonly_fields = ["trusted"]


class MercuryUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, ProfileInline]
    actions = [*(UserAdmin.actions or []), "trust", "untrust"]
    list_display = [*UserAdmin.list_display, "is_trusted"]

    @admin.display(boolean=True, description="trusted")
    def is_trusted(self, obj: Any) -> bool:
        profile = Profile.objects.filter(user=obj).first()
        return bool(profile and profile.trusted)

    @admin.action(description="Trust: their uploads are approved without review")
    def trust(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = sum(
            user_set_trusted(user=user, actor=request.user, trusted=True, reason="admin")
            for user in queryset
        )
        self.message_user(request, f"Trusted {changed} user(s).", messages.INFO)

    @admin.action(description="Stop trusting: their uploads wait for review")
    def untrust(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = sum(
            user_set_trusted(user=user, actor=request.user, trusted=False, reason="admin")
            for user in queryset
        )
        self.message_user(request, f"Stopped trusting {changed} user(s).", messages.INFO)


class ReasonForm(forms.Form):
    """The reason a moderator gives; required for hide and reject, so the form asks again
    instead of applying nothing (the service checks too)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if required:
            self.fields["reason"].error_messages["required"] = (
                "Say why: the owner sees the reason on the entry's page."
            )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if self.fields["reason"].required and not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


admin.site.unregister(User)
admin.site.register(User, MercuryUserAdmin)
