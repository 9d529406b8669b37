"""/api/v1/brand-kits: the caller's brand colours, font and logo; one kit is the default."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from api.body import read_json_object
from api.brand_schemas import (
    BrandKitCreate,
    BrandKitList,
    BrandKitOut,
    BrandKitPatch,
    brand_kit_out,
)
from api.deps import BrandKitsDep, CurrentAccount, only_query_parameters
from api.routes.responses import problem_responses
from domain.errors import FieldError, InvalidRequest, NotFound
from infra.brand_kits import KIT_NOT_FOUND, KitChanges

router = APIRouter(prefix="/api/v1", tags=["brand kits"])

KIT_ID = re.compile(r"bk_[0-9a-f]{24}")
KitIdPath = Annotated[str, Path(alias="kitId")]


def _body(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"application/json": {"schema": _inlined(model.model_json_schema())}}
    return {"requestBody": {"required": True, "content": schema}}


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$defs` written in place: `#/$defs/...` means nothing in OpenAPI."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _changes(model: type[BrandKitCreate] | type[BrandKitPatch], data: dict[str, Any]) -> KitChanges:
    try:
        return model.model_validate(data).to_changes()
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(part) for part in err["loc"]) or "body", _message(err))
            for err in exc.errors(include_input=False)
        ]
        raise InvalidRequest("The request body is invalid.", errors) from None
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise InvalidRequest("The request body is invalid.", [FieldError(field, message)]) from None


def _message(err: Any) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    if err.get("type") == "missing":
        return "is required"
    if err.get("type") == "string_pattern_mismatch":
        return "must be a colour like #1A2B3C"
    return str(err.get("msg", "is invalid")).removeprefix("Value error, ")


def _check_id(kit_id: str) -> None:
    if not KIT_ID.fullmatch(kit_id):
        raise NotFound(KIT_NOT_FOUND)


@router.post(
    "/brand-kits",
    status_code=201,
    operation_id="createBrandKit",
    response_model=BrandKitOut,
    responses=problem_responses(400, 401, 404, 413, 415, 503),
    openapi_extra=_body(BrandKitCreate),
)
async def create_brand_kit(
    account: CurrentAccount, kits: BrandKitsDep, request: Request
) -> BrandKitOut:
    """Create a brand kit; your first kit becomes the default unless `default` is false."""
    changes = _changes(BrandKitCreate, await read_json_object(request))
    return brand_kit_out(await run_in_threadpool(kits.create, account.id, changes))


@router.get(
    "/brand-kits",
    operation_id="listBrandKits",
    dependencies=[Depends(only_query_parameters("limit", "cursor"))],
    response_model=BrandKitList,
    responses=problem_responses(400, 401, 503),
)
async def list_brand_kits(
    account: CurrentAccount,
    kits: BrandKitsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> BrandKitList:
    """Your brand kits, newest first; pass `nextCursor` as `cursor` for the next page."""
    page = await run_in_threadpool(kits.list, account.id, limit, cursor)
    return BrandKitList(data=[brand_kit_out(k) for k in page.items], nextCursor=page.next_cursor)


@router.get(
    "/brand-kits/{kitId}",
    operation_id="getBrandKit",
    response_model=BrandKitOut,
    responses=problem_responses(401, 404, 503),
)
async def get_brand_kit(
    kit_id: KitIdPath, account: CurrentAccount, kits: BrandKitsDep
) -> BrandKitOut:
    """One of your brand kits; another account's id is 404 like an unknown one."""
    _check_id(kit_id)
    return brand_kit_out(await run_in_threadpool(kits.get, account.id, kit_id))


@router.patch(
    "/brand-kits/{kitId}",
    operation_id="updateBrandKit",
    response_model=BrandKitOut,
    responses=problem_responses(400, 401, 404, 413, 415, 503),
    openapi_extra=_body(BrandKitPatch),
)
async def update_brand_kit(
    kit_id: KitIdPath, account: CurrentAccount, kits: BrandKitsDep, request: Request
) -> BrandKitOut:
    """Change some fields of a kit; jobs already submitted keep the kit as it was."""
    _check_id(kit_id)
    changes = _changes(BrandKitPatch, await read_json_object(request))
    return brand_kit_out(await run_in_threadpool(kits.update, account.id, kit_id, changes))


@router.delete(
    "/brand-kits/{kitId}",
    status_code=204,
    operation_id="deleteBrandKit",
    response_class=Response,
    responses=problem_responses(401, 404, 503),
)
async def delete_brand_kit(
    kit_id: KitIdPath, account: CurrentAccount, kits: BrandKitsDep
) -> Response:
    """Delete a kit; deleting the default leaves your account without one."""
    _check_id(kit_id)
    await run_in_threadpool(kits.delete, account.id, kit_id)
    return Response(status_code=204)
