"""Where everything goes: a pure function from a creative spec to shapes, boxes and lines.

A layout family (rendering.families) draws the scene: the ground, its shapes and the zones
text may occupy, each zone lying on one surface so no text straddles a shape's edge.
rendering.composition sets the headline, subline, button and badge into those zones as one
group, at the largest legible sizes. A family that cannot set the claim legibly in a format
hands over to the roomiest family, "poster".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from domain.catalog import FORMATS, LANGUAGES
from rendering.design import FAMILIES, Design, design_for
from rendering.fonts import layout_engine
from rendering.linebreak import Line, TextBlock, TextStyle
from rendering.palette import Color
from rendering.spec import CreativeSpec

if TYPE_CHECKING:
    from rendering.brand import Assets, Placement


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def contains(self, other: Box) -> bool:
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def overlaps(self, other: Box) -> bool:
        return not (
            other.left >= self.right
            or other.right <= self.left
            or other.top >= self.bottom
            or other.bottom <= self.top
        )


@dataclass(frozen=True)
class FormatRules:
    """How one ad size is composed; sizes in pixels."""

    max_lines: int
    cta_size: int  # the button label's size when there is room
    margin_x: int
    margin_y: int


RULES = {
    "F1": FormatRules(7, 38, 86, 86),
    "F2": FormatRules(8, 40, 86, 96),
    "F3": FormatRules(10, 44, 90, 250),  # stories: keep clear of the app UI
    "F4": FormatRules(6, 32, 60, 56),
    "F5": FormatRules(7, 42, 96, 96),
    "F6": FormatRules(8, 36, 76, 84),
    "F7": FormatRules(6, 13, 18, 18),
    "F8": FormatRules(6, 14, 20, 20),
    "F9": FormatRules(2, 13, 20, 9),
    "F10": FormatRules(12, 12, 12, 26),
    "F11": FormatRules(2, 10, 8, 5),
    "F12": FormatRules(10, 15, 22, 28),
}


@dataclass(frozen=True)
class PlacedText:
    """A line of text and where its left baseline point sits on the canvas."""

    line: Line
    x: float
    baseline: float

    @property
    def box(self) -> Box:
        left, top, right, bottom = self.line.ink
        return Box(self.x + left, self.baseline + top, self.x + right, self.baseline + bottom)


@dataclass(frozen=True)
class TextElement:
    """A block of lines set in one style and one ink."""

    block: TextBlock
    lines: tuple[PlacedText, ...]
    style: TextStyle
    ink: Color
    behind: tuple[Color, ...]  # the surfaces under it: the ink reads >= 4.5:1 on each

    @property
    def box(self) -> Box:
        return union([p.box for p in self.lines])

    @property
    def size(self) -> int:
        return self.block.size

    @property
    def ellipsized(self) -> bool:
        return self.block.ellipsized

    @property
    def line(self) -> Line:
        """The first line (a button label usually has just one)."""
        return self.lines[0].line


@dataclass(frozen=True)
class Shape:
    """A filled shape of the scene, painted anti-aliased in order."""

    kind: str  # rect, round (rounded rect), ellipse, polygon, dots (a texture in a box)
    points: tuple[float, ...]  # left, top, right, bottom; a polygon's x0, y0, x1, y1, ...
    color: Color
    radius: float = 0.0  # corner radius (round) or dot pitch (dots)


@dataclass(frozen=True)
class CreativeLayout:
    """Every shape and box of one creative: tests check these, the painter draws them."""

    width: int
    height: int
    safe: Box
    design: Design
    family: str  # the family actually drawn (a fallback may replace the design's)
    ground: tuple[Color, Color, int]  # gradient from, to, direction (0 down, 1 up, 2 across)
    shapes: tuple[Shape, ...]
    headline: TextElement
    subline: TextElement | None
    button: Box
    button_color: Color
    button_behind: tuple[Color, ...]
    cta: TextElement
    badge: TextElement | None
    badge_shape: Shape | None
    slots: dict[str, Box]  # logo, image, badge: where those go in this family and format
    legible: bool  # every element at or above its floor, nothing ellipsized
    logo: Box | None = None  # where the brand's logo is drawn (aspect kept); None: not drawn
    product: Placement | None = None  # where the product image is drawn; None: not drawn

    @property
    def headline_box(self) -> Box:
        return self.headline.box

    @property
    def headline_lines(self) -> tuple[PlacedText, ...]:
        return self.headline.lines

    @property
    def cta_label(self) -> TextBlock:
        return self.cta.block

    @property
    def text_elements(self) -> tuple[TextElement, ...]:
        extra = tuple(e for e in (self.subline, self.badge) if e is not None)
        return (self.headline, self.cta, *extra)


HOUSE_LEADING = {"arabic": 1.55, "devanagari": 1.5, "thai": 1.55, "hebrew": 1.22, "cjk": 1.24}


def headline_style(language: str) -> TextStyle:
    """The language's house font set bold, as headlines are when no family face applies."""
    script = LANGUAGES[language].script
    weight = 800 if script in ("latin", "cyrillic", "greek") else 700
    return TextStyle(language, weight, HOUSE_LEADING.get(script, 1.1))


def cta_style(language: str) -> TextStyle:
    """The language's house font set semi-bold, as button labels are without a family face."""
    return TextStyle(language, 650, HOUSE_LEADING.get(LANGUAGES[language].script, 1.1))


def union(boxes: list[Box]) -> Box:
    """The smallest box around all of them."""
    if not boxes:
        return Box(0, 0, 0, 0)
    return Box(
        min(b.left for b in boxes),
        min(b.top for b in boxes),
        max(b.right for b in boxes),
        max(b.bottom for b in boxes),
    )


def safe_area(format_code: str) -> Box:
    fmt, rules = FORMATS[format_code], RULES[format_code]
    return Box(rules.margin_x, rules.margin_y, fmt.width - rules.margin_x,
               fmt.height - rules.margin_y)  # fmt: skip


def layout_creative(spec: CreativeSpec) -> CreativeLayout:
    """Lay out the spec's family in its format, language and seed.

    Characters no font covers are left out; a claim of nothing else is UnrenderableClaim.
    A brand kit's colours replace the seed's palette; with a product image, the image-forward
    family "showcase" takes the images of the even-placed families too (4 of every 6).
    """
    from rendering.brand import assets_of, brand_palette

    layout_engine(LANGUAGES[spec.language].script)  # fail early without shaping support
    design = design_for(spec.variant_seed)
    if spec.brand is not None:
        design = replace(design, palette=brand_palette(spec.brand))
    assets = assets_of(spec.brand, spec.product_image)
    if assets.product_size and FAMILIES.index(design.family) % 2 == 0:
        design = replace(design, family="showcase")
    return _layout(spec.claim, spec.language, spec.cta, spec.format_code, spec.subline,
                   spec.badge, design, assets)  # fmt: skip


@functools.lru_cache(maxsize=512)  # one claim, many images: the same layouts recur in a job
def _layout(
    claim: str, language: str, cta: str, code: str, subline: str | None, badge: str | None,
    design: Design, assets: Assets | None = None,
) -> CreativeLayout:  # fmt: skip
    from rendering.brand import Assets
    from rendering.composition import compose

    assets = assets or Assets()

    spec = CreativeSpec(claim, language, cta, code, "", subline, badge)
    lean = CreativeSpec(claim, language, cta, code, "", None, None)
    attempts = (  # fewer elements before a smaller family; the design's own family first
        (spec, design.family), (spec, "poster"),
        (replace(spec, badge=None), design.family), (replace(spec, badge=None), "poster"),
        (lean, design.family), (lean, "poster"),
    )  # fmt: skip
    layout = None
    # the logo gives way first, then the kit's font (a wide face in a small banner): the
    # claim the API accepted (measured in the house faces) is always set legibly
    kits = tuple(dict.fromkeys((assets, replace(assets, logo_aspect=None),
                                replace(assets, logo_aspect=None, face=None))))  # fmt: skip
    for kit in kits:
        for attempt, family in attempts:
            if attempt != spec and attempt.subline == spec.subline and attempt.badge == spec.badge:
                continue
            layout = compose(attempt, design, family, kit)
            if layout.legible:
                return layout
    assert layout is not None
    return layout  # nothing legible (the API refuses such claims): the leanest, roomiest try
