"""The API reference page's content, read from docs/openapi.yaml (the one description of the API)."""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from django.conf import settings

OPENAPI_PATH = settings.BASE_DIR / "docs" / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    """One parameter, form field or property: its name, type in words, and meaning."""

    name: str
    type: str
    required: bool
    description: str
    schema_ref: str = ""  # the component schema the type names, for a link


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    body: str  # the body's type in words
    schema_ref: str = ""
    headers: list[Field] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    auth: str  # "token", "optional" or "none"
    parameters: list[Field]
    body: list[Field]
    responses: list[Response]


@dataclass(frozen=True)
class Schema:
    name: str
    type: str
    description: str
    fields: list[Field]


@dataclass(frozen=True)
class ApiReference:
    title: str
    version: str
    description: str
    auth: str
    groups: list[tuple[str, list[Operation]]]
    schemas: list[Schema]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _type(schema: Any) -> tuple[str, str]:
    """A schema's type in words, and the component it names (for a link), if one."""
    if not isinstance(schema, dict):
        return "any", ""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return name, name
    if "allOf" in schema:
        parts = [_type(part) for part in schema["allOf"]]
        return " and ".join(text for text, _ in parts), next((r for _, r in parts if r), "")
    kind = schema.get("type", "object" if "properties" in schema else "any")
    if isinstance(kind, list):
        words = [k for k in kind if k != "null"]
        text = " or ".join(words) + (" or null" if "null" in kind else "")
    else:
        text = kind
    if kind == "array" or (isinstance(kind, list) and "array" in kind):
        inner, ref = _type(schema.get("items", {}))
        return f"array of {inner}", ref
    details = []
    if "enum" in schema:
        details.append("one of " + ", ".join(str(value) for value in schema["enum"]))
    if "format" in schema:
        details.append(schema["format"])
    if "minimum" in schema and "maximum" in schema:
        details.append(f"{schema['minimum']}–{schema['maximum']}")
    if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        inner, ref = _type(schema["additionalProperties"])
        return f"object of {inner}", ref
    return text + (f" ({'; '.join(details)})" if details else ""), ""


def _fields(spec: dict[str, Any], schema: Any) -> list[Field]:
    """The properties of an object schema (allOf merged), required first."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return []
    out: list[Field] = []
    for part in schema.get("allOf", []):
        out += _fields(spec, part)
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        text, ref = _type(prop)
        description = prop.get("description", "") if isinstance(prop, dict) else ""
        out.append(Field(name, text, name in required, description.strip(), ref))
    return sorted(out, key=lambda f: not f.required)


def _auth(operation: dict[str, Any]) -> str:
    security = operation.get("security", [])
    if {"token": []} in security:
        return "optional" if {} in security else "token"
    return "none"


def _operation(spec: dict[str, Any], path: str, method: str, item: dict[str, Any]) -> Operation:
    operation = item[method]
    parameters = []
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = _resolve(spec, raw)
        text, ref = _type(parameter.get("schema", {}))
        description = parameter.get("description", "").strip()
        where = parameter.get("in", "")
        parameters.append(
            Field(
                parameter["name"],
                f"{text}, in {where}",
                bool(parameter.get("required")),
                description,
                ref,
            )
        )
    body: list[Field] = []
    for content in operation.get("requestBody", {}).get("content", {}).values():
        body = _fields(spec, content.get("schema", {}))
    responses = []
    for status, raw in operation.get("responses", {}).items():
        response = _resolve(spec, raw)
        text, ref = "", ""
        for content in response.get("content", {}).values():
            text, ref = _type(content.get("schema", {}))
            if text == "object":
                text = "object with " + ", ".join(
                    f.name for f in _fields(spec, content.get("schema", {}))
                )
        headers = [
            Field(name, _type(header.get("schema", {}))[0], False, header.get("description", ""))
            for name, header in response.get("headers", {}).items()
        ]
        responses.append(Response(str(status), response.get("description", ""), text, ref, headers))
    return Operation(
        method=method.upper(),
        path=path,
        anchor=operation.get("operationId", f"{method}-{path}"),
        summary=operation.get("summary", ""),
        description=operation.get("description", "").strip(),
        auth=_auth(operation),
        parameters=parameters,
        body=body,
        responses=responses,
    )


@cache
def api_reference() -> ApiReference:
    """The API's operations by tag and its schemas, from docs/openapi.yaml (read once)."""
    spec = yaml.safe_load(OPENAPI_PATH.read_text())
    by_tag: dict[str, list[Operation]] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append(_operation(spec, path, method, item))
    schemas = []
    for name, raw in spec["components"]["schemas"].items():
        text, _ = _type(raw)
        schemas.append(Schema(name, text, raw.get("description", "").strip(), _fields(spec, raw)))
    token = spec["components"]["securitySchemes"]["token"]
    return ApiReference(
        title=spec["info"]["title"],
        version=str(spec["info"]["version"]),
        description=spec["info"].get("description", "").strip(),
        auth=token.get("description", ""),
        groups=[(tag, ops) for tag, ops in by_tag.items() if ops],
        schemas=schemas,
    )
