"""docs/openapi.yaml documents the JSON API as it is: every endpoint, method and response shape."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse

from portal.services.accounts import api_token_create
from portal.urls import portal_patterns

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def _api_routes() -> dict[str, str]:
    """URL name -> OpenAPI path of every `portal:api_*` pattern (`<int:pk>` is `{id}`)."""
    routes = {}
    for pattern in portal_patterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name and pattern.name.startswith("api_"):
            route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
            routes[pattern.name] = "/" + route.replace("{pk}", "{id}")
    return routes


def _ref_path(ref: str) -> list[str]:
    return ref.removeprefix("#/").split("/")


def _deref(spec: dict[str, Any], node: Any) -> Any:
    """Follow `$ref`s to the node they name."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in _ref_path(node["$ref"]):
            target = target[part]
        node = target
    return node


def _required(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The required keys of an object schema (allOf merged), each with its property schema."""
    schema = _deref(spec, schema)
    keys: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        keys.update(_required(spec, part))
    properties = schema.get("properties", {})
    keys.update({key: properties.get(key) for key in schema.get("required", [])})
    return keys


def test_the_spec_is_openapi_3_1_with_the_token_scheme(spec):
    assert spec["openapi"].startswith("3.1.")
    scheme = spec["components"]["securitySchemes"]["token"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


def test_every_api_url_is_documented_and_nothing_else(spec):
    assert sorted(_api_routes().values()) == sorted(spec["paths"])


def test_every_ref_resolves(spec):
    refs = re.findall(r"\$ref: \"?(#/[^\"}\s]+)", SPEC_PATH.read_text())
    assert refs
    for ref in refs:
        assert _deref(spec, {"$ref": ref}) is not None, ref


def test_documented_methods_are_exactly_the_allowed_ones(spec, client, db):
    for name, path in _api_routes().items():
        kwargs = {"pk": 1} if "{id}" in path else {"slug": "x"} if "{slug}" in path else {}
        url = reverse(f"portal:{name}", kwargs=kwargs)
        documented = {method for method in spec["paths"][path] if method in METHODS}
        for method in METHODS:
            status = getattr(client, method)(url).status_code
            assert (status != 405) == (method in documented), (path, method, status)


def test_every_operation_documents_its_errors(spec):
    for path, item in spec["paths"].items():
        parameters = item.get("parameters", [])
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation["responses"]
            assert "405" in responses, (path, method)
            needs_token = {"token": []} in operation.get("security", [])
            assert ("401" in responses) == needs_token, (path, method)
            if "{" in path:
                assert "404" in responses and parameters, (path, method)
            if method == "post":
                assert "400" in responses, (path, method)
            # Every upload is subject to the quotas; a check of a file is not.
            if method == "post" and operation["operationId"] != "validateSubmission":
                assert "429" in responses and "Retry-After" in responses["429"]["headers"]


def test_responses_carry_the_documented_required_keys(
    spec, client, make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    owner = get_user_model().objects.create_user("owner", password="x-long-password")
    key = api_token_create(user=owner).key
    auth = {"Authorization": f"Token {key}"}
    submission = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}], user=owner, moderation="approved"
    )
    evaluate(submission.pk)
    calls = {
        ("/api/submissions/", "get"): client.get(reverse("portal:api_submissions"), headers=auth),
        ("/api/submissions/{id}/", "get"): client.get(
            reverse("portal:api_submission", args=[submission.pk])
        ),
        ("/api/submissions/{id}/results/", "get"): client.get(
            reverse("portal:api_submission_results", args=[submission.pk])
        ),
        ("/api/tasks/", "get"): client.get(reverse("portal:api_tasks")),
        ("/api/tasks/{slug}/", "get"): client.get(reverse("portal:api_task", args=["alpha"])),
        ("/api/leaderboard/", "get"): client.get(reverse("portal:api_leaderboard")),
    }
    for (path, method), response in calls.items():
        assert response.status_code == 200, path
        schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        body = response.json()
        required = _required(spec, schema["schema"])
        assert set(required) <= set(body), (path, set(required) - set(body))
        if "results" in required:
            items = _deref(spec, required["results"])["items"]
            assert body["results"], path
            for row in body["results"]:
                missing = set(_required(spec, items)) - set(row)
                assert not missing, (path, missing)
