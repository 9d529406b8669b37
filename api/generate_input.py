"""The POST /api/v1/generate body: strict validation into a normalized GenerateRequest."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from api.validation_messages import describe, house_message
from domain.catalog import FORMATS, LANGUAGES
from domain.errors import FieldError, InvalidRequest
from domain.jobs import GenerateRequest
from domain.outputs import DEFAULT_OUTPUT
from rendering.text import has_visible_text

MAX_COUNT = 20
MAX_CLAIM_CHARS = 200
MAX_CTA_CHARS = 30
MAX_SUBLINE_CHARS = 120
MAX_BADGE_CHARS = 24
MAX_METADATA_KEYS = 20
MAX_METADATA_KEY_CHARS = 40
MAX_METADATA_VALUE_CHARS = 500
# Drawn on the image: each must put some ink there, or the image would be paid for and blank.
_DRAWN_FIELDS = ("claim", "subline", "badge", "cta")
# Control characters, lone surrogates and line/paragraph separators have no place in a headline.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_METADATA_KEY_CHARS)]
MetadataValue = Annotated[str, StringConstraints(max_length=MAX_METADATA_VALUE_CHARS)]


def _documented(**constraints: Any) -> Callable[[dict[str, Any]], None]:
    """Put limits and enums the validators enforce into the field's JSON schema, on the
    string (or array) branch of an optional field, so generated clients know them too."""

    def extend(schema: dict[str, Any]) -> None:
        branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
        for branch in branches:
            for key, value in constraints.items():
                if key == "items":
                    branch.setdefault("items", {}).update(value)
                else:
                    branch[key] = value

    return extend


class GenerateBody(BaseModel):
    """What a client may send; anything else, or any wrong type, is a 400.

    `claim`, `cta`, `subline` and `badge` must each have something a font draws: text of only
    zero-width or combining characters, or of only emoji, is a 400 naming the field.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    claim: str = Field(
        description=f"The headline on every image; trimmed, 1..{MAX_CLAIM_CHARS} characters.",
        examples=["Best protein supplements"],
        json_schema_extra=_documented(minLength=1, maxLength=MAX_CLAIM_CHARS),
    )
    language: str | None = Field(
        default=None,
        description='ISO 639-1 code, case-insensitive (default "EN"); see GET /api/v1/languages.',
        examples=["EN"],
        json_schema_extra=_documented(enum=list(LANGUAGES)),
    )
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNT,
        description=f"Number of images, 1..{MAX_COUNT} (default 1); each costs one credit.",
    )
    formats: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_COUNT,
        description="1..count format codes; image i gets formats[i % len]. "
        "Default: the rotation F1, F4, F10, F2, ...; see GET /api/v1/formats.",
        json_schema_extra=_documented(items={"enum": list(FORMATS)}),
    )
    cta: str | None = Field(
        default=None,
        description=f"Call-to-action label, 1..{MAX_CTA_CHARS} characters "
        "(default: a localized 'Shop now').",
        json_schema_extra=_documented(minLength=1, maxLength=MAX_CTA_CHARS),
    )
    subline: str | None = Field(
        default=None,
        description=f"Secondary text under the headline; trimmed, 1..{MAX_SUBLINE_CHARS} "
        "characters. Default: none.",
        examples=["Free shipping on every order"],
        json_schema_extra={"minLength": 1, "maxLength": MAX_SUBLINE_CHARS},
    )
    badge: str | None = Field(
        default=None,
        description=f'A short sticker on the image ("-20%", "New"); trimmed, '
        f"1..{MAX_BADGE_CHARS} characters. Default: none.",
        examples=["-20%"],
        json_schema_extra={"minLength": 1, "maxLength": MAX_BADGE_CHARS},
    )
    output: Literal["png", "jpeg", "webp"] | None = Field(
        default=None,
        description=f'Image encoding (default "{DEFAULT_OUTPUT}"); image URLs end in .png, '
        ".jpg or .webp and are served as image/png, image/jpeg or image/webp.",
    )
    metadata: dict[MetadataKey, MetadataValue] | None = Field(
        default=None,
        description=f"Your own key-value pairs, stored with the job and echoed back, never "
        f"drawn: up to {MAX_METADATA_KEYS} keys of 1..{MAX_METADATA_KEY_CHARS} characters, "
        f"string values of at most {MAX_METADATA_VALUE_CHARS} characters. "
        "The whole body stays within 16 KiB.",
        max_length=MAX_METADATA_KEYS,
        examples=[{"campaign": "spring-sale", "orderId": "4711"}],
    )

    productImage: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="An asset id of your account (POST /api/v1/assets): the product shot. "
        "The job keeps its own copy: deleting the asset later changes none of its images.",
        examples=["ast_3f1c9a0b2d4e6f8091a2b3c4"],
    )
    brandKit: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="A brand kit id of your account. Default: your default kit, if any. "
        "The job keeps the kit as it is at submission.",
        examples=["bk_5e2d0c9b8a7f6e5d4c3b2a19"],
    )

    @field_validator("claim")
    @classmethod
    def _claim_is_a_headline(cls, value: str) -> str:
        return _clean_text(value, MAX_CLAIM_CHARS)

    @field_validator("cta")
    @classmethod
    def _cta_is_a_label(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value, MAX_CTA_CHARS)

    @field_validator("subline")
    @classmethod
    def _subline_is_a_line(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value, MAX_SUBLINE_CHARS)

    @field_validator("badge")
    @classmethod
    def _badge_is_a_sticker(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value, MAX_BADGE_CHARS)

    @field_validator("language")
    @classmethod
    def _language_is_supported(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)} (got {describe(value)})")
        return code

    @field_validator("formats")
    @classmethod
    def _formats_are_known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = [code.strip().upper() for code in value]
        for position, code in enumerate(codes):
            if code not in FORMATS:
                raise ValueError(
                    f"item {position}: must be one of {', '.join(FORMATS)} "
                    f"(got {describe(value[position])})"
                )
        return codes

    @model_validator(mode="after")
    def _no_more_formats_than_images(self) -> GenerateBody:
        if self.formats is not None and len(self.formats) > (self.count or 1):
            raise ValueError(
                f"formats: must not list more codes than count ({self.count or 1}; "
                f"got {len(self.formats)})"
            )
        return self

    def to_request(self) -> GenerateRequest:
        """The normalized domain request (defaults filled in)."""
        return GenerateRequest(
            claim=self.claim,
            language=self.language or "EN",
            count=self.count or 1,
            formats=tuple(self.formats) if self.formats else None,
            cta=self.cta,
            subline=self.subline,
            badge=self.badge,
            output=self.output or DEFAULT_OUTPUT,
            metadata=dict(self.metadata or {}),
            product_image=self.productImage,
            brand_kit=self.brandKit,
        )


def parse_generate_request(data: dict[str, Any]) -> GenerateRequest:
    """Validate a decoded JSON object; raises InvalidRequest naming every bad field."""
    try:
        request = GenerateBody.model_validate(data).to_request()
    except ValidationError as exc:
        field_errors = [_field_error(err) for err in exc.errors(include_url=False)]
        raise InvalidRequest("The request body is invalid.", field_errors) from None
    invisible = [
        FieldError(name, "has nothing a font can draw (only emoji, zero-width or combining marks)")
        for name in _DRAWN_FIELDS
        if (text := getattr(request, name)) is not None
        and not has_visible_text(text, request.language)
    ]
    if invisible:
        raise InvalidRequest("Some text would leave the image blank.", invisible)
    return request


def _clean_text(value: str, max_chars: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(
            "must not be empty (got only whitespace)" if value else "must not be empty"
        )
    if len(text) > max_chars:
        raise ValueError(f"must be at most {max_chars} characters (got {len(text)})")
    forbidden = [char for char in text if unicodedata.category(char) in _FORBIDDEN_CATEGORIES]
    if forbidden:
        raise ValueError(
            f"must not contain control characters (got U+{ord(forbidden[0]):04X} "
            f"at position {text.index(forbidden[0])})"
        )
    return text


def _field_error(err: Any) -> FieldError:
    loc = err.get("loc", ())
    message = house_message(err)
    if not loc:  # model-level rule: "<field>: <message>"
        field, _, message = message.partition(": ")
        return FieldError(field, message)
    field = str(loc[0])
    if field == "metadata":
        return FieldError(
            field, _metadata_message(loc[1:], err.get("type"), message, err.get("input"))
        )
    if len(loc) > 1:
        message = f"item {loc[1]}: {message}"
    return FieldError(field, message)


def _metadata_message(loc: tuple[Any, ...], kind: str | None, message: str, value: Any) -> str:
    if not loc:
        if kind == "too_long":
            return f"must have at most {MAX_METADATA_KEYS} keys (got {len(value)})"
        if kind == "dict_type":
            return f"must be an object of string keys and string values (got {describe(value)})"
        return message
    # The key as JSON with ASCII escapes: a lone surrogate in it must not break the answer.
    key = json.dumps(str(loc[0]))
    return f"key {key}: {message}" if loc[-1] == "[key]" else f"the value of {key}: {message}"
