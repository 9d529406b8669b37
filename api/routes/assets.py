"""/api/v1/assets: images the caller uploads (logos, product shots) for brand kits and jobs."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.brand_schemas import AssetList, AssetOut, asset_out
from api.deps import AssetsDep, CurrentAccount, only_query_parameters
from api.multipart import read_single_file
from api.routes.responses import problem_responses
from domain.errors import NotFound
from infra.asset_images import MAX_ASSET_BYTES
from infra.assets import ASSET_NOT_FOUND

router = APIRouter(prefix="/api/v1", tags=["assets"])

# Minted as ast_ + 24 hex digits: anything else cannot exist and never reaches the database.
ASSET_ID = re.compile(r"ast_[0-9a-f]{24}")
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "One PNG, JPEG or WebP image: at most 10 MB and 40 "
                        "megapixels, not animated.",
                    }
                },
            }
        }
    },
}
AssetIdPath = Annotated[str, Path(alias="assetId")]


@router.post(
    "/assets",
    status_code=201,
    operation_id="createAsset",
    response_model=AssetOut,
    responses=problem_responses(400, 401, 413, 415, 503),
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def create_asset(account: CurrentAccount, assets: AssetsDep, request: Request) -> AssetOut:
    """Upload one image (multipart `file` part): PNG, JPEG or WebP, <= 10 MB, <= 40 megapixels."""
    data = await read_single_file(request, "file", MAX_ASSET_BYTES)
    return asset_out(await run_in_threadpool(assets.create, account.id, data))


@router.get(
    "/assets",
    operation_id="listAssets",
    dependencies=[Depends(only_query_parameters("limit", "cursor"))],
    response_model=AssetList,
    responses=problem_responses(400, 401, 503),
)
async def list_assets(
    account: CurrentAccount,
    assets: AssetsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AssetList:
    """Your assets, newest first; pass `nextCursor` as `cursor` for the next page."""
    page = await run_in_threadpool(assets.list, account.id, limit, cursor)
    return AssetList(data=[asset_out(a) for a in page.items], nextCursor=page.next_cursor)


@router.get(
    "/assets/{assetId}",
    operation_id="getAsset",
    response_model=AssetOut,
    responses=problem_responses(401, 404, 503),
)
async def get_asset(asset_id: AssetIdPath, account: CurrentAccount, assets: AssetsDep) -> AssetOut:
    """One of your assets; another account's id is 404 like an unknown one."""
    if not ASSET_ID.fullmatch(asset_id):
        raise NotFound(ASSET_NOT_FOUND)
    return asset_out(await run_in_threadpool(assets.get, account.id, asset_id))


@router.delete(
    "/assets/{assetId}",
    status_code=204,
    operation_id="deleteAsset",
    response_class=Response,
    responses=problem_responses(401, 404, 503),
)
async def delete_asset(
    asset_id: AssetIdPath, account: CurrentAccount, assets: AssetsDep
) -> Response:
    """Delete an asset; kits drop it as their logo, jobs already submitted keep their copy."""
    if not ASSET_ID.fullmatch(asset_id):
        raise NotFound(ASSET_NOT_FOUND)
    await run_in_threadpool(assets.delete, account.id, asset_id)
    return Response(status_code=204)
