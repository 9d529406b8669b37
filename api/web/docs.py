"""GET /docs: Swagger UI from our own static files, so the docs work offline."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_VENDOR = "/app/static/vendor/swagger-ui"
# The initializer is a static file too: no inline script, so a strict CSP could cover /docs.
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Creative SaaS API - Swagger UI</title>
<link rel="stylesheet" href="{_VENDOR}/swagger-ui.css">
<link rel="icon" type="image/png" href="{_VENDOR}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="{_VENDOR}/swagger-ui-bundle.js"></script>
<script src="/app/static/docs.js"></script>
</body>
</html>
"""


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """The API's interactive OpenAPI documentation."""
    return HTMLResponse(_PAGE)
