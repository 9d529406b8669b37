"""The OpenAPI document is fit for client generators: ids, one Problem schema, real limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.app import create_app
from domain.catalog import FORMATS, LANGUAGES
from infra.settings import Settings

# The contract's operation ids for what this API serves today (api-v1-next.md).
CONTRACT_OPERATION_IDS = {
    ("post", "/api/v1/generate"): "createJob",
    ("get", "/api/v1/jobs"): "listJobs",
    ("get", "/api/v1/jobs/{jobId}"): "getJob",
    ("post", "/api/v1/jobs/{jobId}/cancel"): "cancelJob",
    ("get", "/api/v1/jobs/{jobId}/archive"): "getJobArchive",
    ("get", "/api/v1/formats"): "listFormats",
    ("get", "/api/v1/languages"): "listLanguages",
    ("get", "/api/v1/account"): "getAccount",
    ("post", "/api/v1/keys"): "createKey",
    ("get", "/api/v1/keys"): "listKeys",
    ("delete", "/api/v1/keys/{keyId}"): "revokeKey",
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    openapi: dict[str, Any] = create_app(Settings(url_signing_secret="s" * 32)).openapi()
    return openapi


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_has_its_contract_camel_case_id(document: dict[str, Any]) -> None:
    ids = {key: op["operationId"] for key, op in operations(document).items()}

    for key, operation_id in CONTRACT_OPERATION_IDS.items():
        assert ids.get(key) == operation_id, key
    for operation_id in ids.values():
        assert operation_id[0].islower() and "_" not in operation_id, operation_id
    assert len(set(ids.values())) == len(ids)


def test_every_error_references_the_one_problem_schema(document: dict[str, Any]) -> None:
    errors = 0
    for operation in operations(document).values():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
                errors += 1
    assert errors > 20
    assert "$defs" not in json.dumps(document)
    assert set(document["components"]["schemas"]["Problem"]["required"]) >= {
        "type",
        "title",
        "status",
        "detail",
        "code",
    }


def test_no_operation_lists_fastapis_validation_422(document: dict[str, Any]) -> None:
    with_422 = [key for key, op in operations(document).items() if "422" in op["responses"]]

    # The one real 422: an Idempotency-Key reused with a different body.
    assert with_422 == [("post", "/api/v1/generate")]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_request_schemas_carry_the_documented_limits_and_enums(document: dict[str, Any]) -> None:
    body = document["components"]["schemas"]["GenerateBody"]["properties"]
    ops = operations(document)
    list_params = {p["name"]: p["schema"] for p in ops[("get", "/api/v1/jobs")]["parameters"]}
    wait = next(
        p for p in ops[("get", "/api/v1/jobs/{jobId}")]["parameters"] if p["name"] == "wait"
    )

    assert (body["claim"]["minLength"], body["claim"]["maxLength"]) == (1, 200)
    count = body["count"]["anyOf"][0]
    assert (count["minimum"], count["maximum"]) == (1, 20)
    assert body["language"]["anyOf"][0]["enum"] == list(LANGUAGES)
    assert body["formats"]["anyOf"][0]["items"]["enum"] == list(FORMATS)
    assert body["cta"]["anyOf"][0]["maxLength"] == 30
    assert (list_params["limit"]["minimum"], list_params["limit"]["maximum"]) == (1, 100)
    status_ref = list_params["status"]["anyOf"][0]["$ref"].rsplit("/", 1)[1]
    assert document["components"]["schemas"][status_ref]["enum"] == [
        "queued",
        "processing",
        "completed",
        "partial",
        "failed",
    ]
    assert (wait["schema"]["minimum"], wait["schema"]["maximum"]) == (0, 60)
