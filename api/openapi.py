"""The OpenAPI document, shaped so that generators make good clients from it.

FastAPI's defaults need three mends: every route it validates gets a 422 HTTPValidationError
response this API never sends (validation errors are 400 problems); models inlined in
`responses=` or `openapi_extra` carry nested `$defs` instead of shared components; and operation
ids are derived from paths. Here: one `Problem` schema every error references, request bodies
as named components, and the camelCase operation ids of the contract.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.generate_input import GenerateBody
from api.problems import Problem

COMPONENT_REF = "#/components/schemas/{model}"
# Models referenced by hand (errors and request bodies) rather than through response_model.
HAND_REFERENCED_MODELS: tuple[type[BaseModel], ...] = (Problem, GenerateBody)
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def component_ref(model: type[BaseModel]) -> dict[str, str]:
    """A `$ref` to the model's schema under components/schemas."""
    return {"$ref": COMPONENT_REF.format(model=model.__name__)}


def camel_case_operation_id(route: APIRoute) -> str:
    """Routes without an explicit operation_id: `list_keys` -> listKeys."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def install_openapi(app: FastAPI) -> None:
    """Serve the mended document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for model in HAND_REFERENCED_MODELS:
        schema = model.model_json_schema(ref_template=COMPONENT_REF, mode="validation")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if _is_fastapi_validation_error(responses.get("422")):
                del responses["422"]
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def _is_fastapi_validation_error(response: dict[str, Any] | None) -> bool:
    if response is None:
        return False
    content = response.get("content", {}).get("application/json", {})
    return bool(content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"))
