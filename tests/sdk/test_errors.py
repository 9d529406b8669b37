"""Every problem code the API can send has its own exception, under one base class."""

from __future__ import annotations

import httpx
import pytest
from creative_saas_client import APIError, CreativeSaaS, CreativeSaaSError, errors

from api.problems import PROBLEMS
from tests.sdk.fake_api import BASE_URL, ScriptedApi, problem

# New in api-v1-next.md ("New problem codes"), not yet in the server's catalog on this branch.
NEXT_PROBLEMS = {"job_finished": 409, "key_limit_reached": 409}


def server_catalog() -> dict[str, int]:
    """Every code the server's problem handlers can put in a body, with its status."""
    catalog = {problem.code: problem.status for problem in PROBLEMS}
    return {**catalog, **NEXT_PROBLEMS}


@pytest.mark.parametrize(("code", "status"), sorted(server_catalog().items()))
def test_each_problem_code_raises_its_own_exception(code: str, status: int) -> None:
    detail = f"detail of {code}"
    api = ScriptedApi([problem(status, code, detail)])
    client = CreativeSaaS("k", base_url=BASE_URL, max_retries=0, transport=api.transport())

    with pytest.raises(CreativeSaaSError) as raised:
        client.account.get()

    error = raised.value
    assert type(error) is errors.ERRORS_BY_CODE[code], f"{code} has no exception of its own"
    assert isinstance(error, APIError)
    assert (error.status, error.code, error.detail) == (status, code, detail)
    assert status == type(error).STATUS


def test_the_exceptions_are_one_per_code() -> None:
    classes = list(errors.ERRORS_BY_CODE.values())
    assert len(set(classes)) == len(classes)
    assert set(errors.ERRORS_BY_CODE) == set(server_catalog())


def test_field_errors_of_a_400_are_kept_and_printed() -> None:
    body = {
        "type": "t",
        "title": "Invalid request",
        "status": 400,
        "detail": "The request body is invalid.",
        "code": "invalid_request",
        "errors": [{"field": "count", "message": "Input should be less than or equal to 20"}],
    }
    response = httpx.Response(400, json=body, headers={"Content-Type": "application/problem+json"})
    api = ScriptedApi([response])
    client = CreativeSaaS("k", base_url=BASE_URL, transport=api.transport())

    with pytest.raises(errors.InvalidRequestError) as raised:
        client.jobs.create("Claim", count=21)

    assert raised.value.errors == [
        errors.FieldError("count", "Input should be less than or equal to 20")
    ]
    assert str(raised.value) == (
        "400 invalid_request: The request body is invalid.\n"
        "  count: Input should be less than or equal to 20"
    )


def test_an_unknown_code_from_a_newer_server_is_still_an_api_error_with_its_code() -> None:
    api = ScriptedApi([problem(409, "brand_kit_in_use", "the kit is the default")])
    client = CreativeSaaS("k", base_url=BASE_URL, transport=api.transport())
    with pytest.raises(APIError) as raised:
        client.account.get()
    assert type(raised.value) is APIError
    assert (raised.value.status, raised.value.code) == (409, "brand_kit_in_use")


def test_a_proxy_error_page_becomes_an_api_error_with_its_text() -> None:
    page = httpx.Response(502, text="<html>Bad Gateway</html>")
    api = ScriptedApi([page])
    client = CreativeSaaS("k", base_url=BASE_URL, transport=api.transport())
    with pytest.raises(APIError) as raised:
        client.account.get()
    assert raised.value.status == 502 and raised.value.code == "http_error"
    assert "Bad Gateway" in raised.value.detail
