"""Forms of the portal: the completions upload."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


class SubmissionUploadForm(forms.Form):
    """A JSONL completions file and the name of the model that wrote it."""

    model_name = forms.CharField(
        max_length=100,
        strip=True,
        help_text="Shown on the leaderboard, e.g. “gpt-4o-2024-08-06” or “my-model v2”.",
    )
    file = forms.FileField(
        label="Completions (JSONL)",
        help_text='One object a line: {"task_id": "<slug>", "completion": "<python>"}.',
        widget=forms.ClearableFileInput(attrs={"accept": ".jsonl,.json,.txt,application/jsonl"}),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        limit = settings.MERCURY_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
            )
        return upload
