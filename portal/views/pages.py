"""Pages about the site rather than its data: about, the API reference, the example file."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal import caching, selectors
from portal.selectors import apidocs

EXAMPLE_COMPLETIONS = settings.BASE_DIR / "docs" / "examples" / "completions.jsonl"


def _no_params(request: HttpRequest, **_kwargs: object) -> dict[str, str]:
    return {}


@require_GET
@caching.public_page(caching.TASKS, _no_params)
def about(request: HttpRequest) -> HttpResponse:
    """What Mercury is, how this task set relates to it, how runtime is measured, how to cite."""
    state = selectors.benchmark_state()
    return render(request, "portal/about.html", {"state": state, "task_total": state.task_total})


@require_GET
def docs_api(request: HttpRequest) -> HttpResponse:
    """The JSON API's reference, rendered from docs/openapi.yaml."""
    return render(request, "portal/api_reference.html", {"api": apidocs.api_reference()})


@require_GET
def openapi_yaml(request: HttpRequest) -> HttpResponse:
    """docs/openapi.yaml as it is."""
    return HttpResponse(
        apidocs.OPENAPI_PATH.read_bytes(), content_type="application/yaml; charset=utf-8"
    )


@require_GET
def example_completions(request: HttpRequest) -> HttpResponse:
    """The README's example completions file (docs/examples/completions.jsonl)."""
    response = HttpResponse(
        EXAMPLE_COMPLETIONS.read_bytes(), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="example-completions.jsonl"'
    return response
