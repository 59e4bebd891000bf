"""Forms of the portal: the completions upload with the model's metadata, and a file check."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from portal.models import Weights
from portal.services.submissions import SubmissionMetadata


def _limited(upload):  # type: ignore[no-untyped-def]
    limit = settings.MERCURY_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
        )
    return upload


class CompletionsCheckForm(forms.Form):
    """Only a completions file: checked as an upload would be, nothing stored."""

    file = forms.FileField(label="Completions file")

    def clean_file(self):  # type: ignore[no-untyped-def]
        return _limited(self.cleaned_data["file"])


class SubmissionUploadForm(forms.Form):
    """A JSONL completions file, the model that wrote it and how it was generated."""

    model_name = forms.CharField(
        max_length=100,
        strip=True,
        help_text="Shown on the leaderboard, e.g. “gpt-4o” or “Qwen2.5-Coder-7B-Instruct”.",
    )
    model_version = forms.CharField(
        max_length=100,
        required=False,
        strip=True,
        help_text="e.g. “2024-08-06” or “v2”. A model and version is accepted once.",
    )
    link = forms.URLField(
        max_length=300, required=False, assume_scheme="https", help_text="Model card or paper."
    )
    parameters_b = forms.FloatField(
        label="Parameters (billions)",
        required=False,
        min_value=0.001,
        max_value=100_000,
        help_text="e.g. 7 or 0.5; leave empty if not public.",
    )
    weights = forms.ChoiceField(choices=Weights.choices, initial=Weights.UNKNOWN, required=False)
    release_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    temperature = forms.FloatField(required=False, min_value=0, max_value=5)
    samples_per_task = forms.IntegerField(
        label="Samples per task",
        required=False,
        min_value=1,
        help_text="As generated; Pass@1 and Beyond@1 average over the samples of each task.",
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Prompting, decoding or post-processing worth knowing.",
    )
    file = forms.FileField(
        label="Completions file",
        help_text=(
            'JSONL, one {"task_id": "<slug>", "completion": "<python>"} a line (EvalPlus\'s'
            " files too), Mercury's *_samples.json, or bigcode-evaluation-harness's"
            " generations (a JSON list of lists)."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".jsonl,.json,.txt,application/jsonl,application/json"}
        ),
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["samples_per_task"].widget.attrs["max"] = settings.MERCURY_MAX_SAMPLES_PER_TASK

    def clean_samples_per_task(self):  # type: ignore[no-untyped-def]
        value = self.cleaned_data.get("samples_per_task")
        limit = settings.MERCURY_MAX_SAMPLES_PER_TASK
        if value is not None and value > limit:
            raise forms.ValidationError(f"At most {limit} samples per task are accepted.")
        return value

    def clean_file(self):  # type: ignore[no-untyped-def]
        return _limited(self.cleaned_data["file"])

    def metadata(self) -> SubmissionMetadata:
        """The validated metadata for `submission_create`."""
        data = self.cleaned_data
        return SubmissionMetadata(
            model_version=data.get("model_version") or "",
            link=data.get("link") or "",
            parameters_b=data.get("parameters_b"),
            weights=data.get("weights") or Weights.UNKNOWN,
            release_date=data.get("release_date"),
            temperature=data.get("temperature"),
            samples_per_task=data.get("samples_per_task"),
            notes=data.get("notes") or "",
        )
