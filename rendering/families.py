"""Six layout families, each drawn for every format shape: the scene behind the text.

A scene is the ground, the shapes on it and the zones the text goes into. Every zone lies on
one surface (its colours listed in `behind`), so text never straddles a shape's edge and its
ink is chosen against exactly what is under it. Slots mark where a logo, a product image and
a badge go; the composer carves a filled slot out of the text zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rendering.layout import Box, FormatRules, Shape
from rendering.palette import Color, Palette, contrast, mix
from rendering.typefaces import (
    ANTON,
    ARCHIVO_BLACK,
    BEBAS_NEUE,
    DM_SANS,
    DM_SERIF_DISPLAY,
    FRAUNCES,
    MANROPE,
    PLAYFAIR_DISPLAY,
    SPACE_GROTESK,
    Pairing,
)  # fmt: skip

PAIRINGS = {
    "poster": Pairing(ANTON, 400, MANROPE, 700),
    "split": Pairing(DM_SERIF_DISPLAY, 400, DM_SANS, 700),
    "card": Pairing(PLAYFAIR_DISPLAY, 800, MANROPE, 700),
    "diagonal": Pairing(ARCHIVO_BLACK, 400, SPACE_GROTESK, 700),
    "band": Pairing(BEBAS_NEUE, 400, DM_SANS, 700),
    "showcase": Pairing(FRAUNCES, 700, DM_SANS, 700),
}


@dataclass(frozen=True)
class Zone:
    """Where a group of text goes, what lies behind it and how it sits there."""

    box: Box
    behind: tuple[Color, ...]
    align: str  # left, center, right
    anchor: str  # top, center, bottom
    rule: bool = False  # a short accent bar above the headline
    stretch: float = 0.0  # the button spans at least this share of the zone's width


@dataclass(frozen=True)
class Scene:
    ground: tuple[Color, Color, int]  # from, to (equal: flat), direction
    shapes: tuple[Shape, ...]
    text: Zone  # headline, subline and (when `cta` is None) the button
    cta: Zone | None
    badge: tuple[Box, tuple[Color, ...]] | None  # the sticker and what lies behind it; None:
    # the text zone's top trailing corner
    slots: dict[str, Box]


def badge_slot(zone: Zone, banner: bool, rtl: bool) -> tuple[Box, tuple[Color, ...]]:
    """A round sticker in the top trailing corner of a zone, on the zone's own surface."""
    box = zone.box
    d = min(box.height * 0.9, box.width * 0.3) if banner else min(box.width, box.height) * 0.26
    left = box.left if rtl else box.right - d
    return Box(left, box.top, left + d, box.top + d), zone.behind


@dataclass(frozen=True)
class Frame:
    """The canvas, its safe area and what the family needs to know of the design."""

    width: int
    height: int
    safe: Box
    rules: FormatRules
    palette: Palette
    rtl: bool
    variation: int
    cta_share: float = 0.3  # a banner's button column; widened for a long call-to-action
    product: bool = False  # a product image fills the image slot (no stand-in, no sticker)

    @property
    def shape(self) -> str:
        ratio = self.width / self.height
        if ratio >= 4:
            return "banner"
        if ratio >= 1.5:
            return "wide"
        return "tall" if ratio <= 0.65 else "square"

    @property
    def lead(self) -> str:
        return "right" if self.rtl else "left"

    @property
    def trail(self) -> str:
        return "left" if self.rtl else "right"


def _flip(frame: Frame, box: Box) -> Box:
    """Mirror a box for right-to-left languages."""
    if not frame.rtl:
        return box
    return Box(frame.width - box.right, box.top, frame.width - box.left, box.bottom)


def _flip_points(frame: Frame, points: tuple[float, ...]) -> tuple[float, ...]:
    if not frame.rtl:
        return points
    return tuple(frame.width - v if i % 2 == 0 else v for i, v in enumerate(points))


def _gap(frame: Frame) -> float:
    return max(6.0, frame.rules.cta_size * 1.2)


def _logo_slot(frame: Frame) -> Box:
    s = frame.safe
    h = min(s.height * 0.08, 96) if frame.shape != "banner" else s.height
    return _flip(frame, Box(s.left, s.top, s.left + h * 3, s.top + h))


def _ground(frame: Frame, gradient: bool) -> tuple[Color, Color, int]:
    p = frame.palette
    return (p.field, p.field2 if gradient else p.field, frame.variation % 3)


def _dots(frame: Frame, behind: Color) -> Shape:
    """A halftone patch in a corner: texture the eye reads as print, not as noise."""
    side = min(frame.width, frame.height) * 0.34
    corner = frame.variation % 2
    x = frame.width - side if corner else 0.0
    pitch = max(6.0, round(min(frame.width, frame.height) / 36))
    tone = mix(behind, frame.palette.paper if _dark(behind) else frame.palette.ink, 0.1)
    return Shape("dots", (x, frame.height - side, x + side, frame.height), tone, pitch)


def _dark(color: Color) -> bool:
    return sum(color) < 3 * 128


def poster(frame: Frame) -> Scene:
    """Big type on a colour field, a halftone corner, the button under the headline."""
    p, s = frame.palette, frame.safe
    ground = _ground(frame, gradient=frame.shape != "banner")
    shapes = (_dots(frame, p.field),) if frame.shape in ("square", "tall") else ()
    behind = (ground[0], ground[1], *(shape.color for shape in shapes))  # text may cross the dots
    if frame.shape == "banner":
        cta_w = s.width * frame.cta_share
        cta = Zone(_flip(frame, Box(s.right - cta_w, s.top, s.right, s.bottom)), behind,
                   "center", "center")  # fmt: skip
        text = Zone(_flip(frame, Box(s.left, s.top, s.right - cta_w - _gap(frame), s.bottom)),
                    behind, frame.lead, "center")  # fmt: skip
        return Scene(ground, shapes, text, cta, None,
                     {"logo": _logo_slot(frame)})  # fmt: skip
    text = Zone(s, behind, frame.lead, "center", rule=True)
    return Scene(ground, shapes, text, None, None,
                 {"logo": _logo_slot(frame)})  # fmt: skip


def split(frame: Frame) -> Scene:
    """A bold colour block holds the button; the headline sits on the field beside it."""
    p, s, w, h = frame.palette, frame.safe, frame.width, frame.height
    ground = _ground(frame, gradient=False)
    field = (p.field,)
    if frame.shape in ("wide", "banner"):
        share = 0.36 if frame.shape == "wide" else frame.cta_share
        block = _flip(frame, Box(w * (1 - share), 0, w, h))
        inner = _flip(frame, Box(w * (1 - share) + s.left * 0.6, s.top, s.right, s.bottom))
        text = _flip(frame, Box(s.left, s.top, w * (1 - share) - s.left * 0.8, s.bottom))
        cta = Zone(inner, (p.block,), "center", "center")
    else:
        ratio = frame.width / frame.height
        share = 0.3 if frame.shape == "square" else (0.36 if ratio > 0.4 else 0.2)
        top = round(h * (1 - share))
        block = Box(0, top, w, h)
        text = Box(s.left, s.top, s.right, top - s.left * 0.7)
        tall = frame.shape == "tall"  # a tall block holds a full-width button, app-store style
        align = "center" if tall else frame.lead
        cta_box = Box(s.left, top + s.left * 0.5, s.right, s.bottom)
        cta = Zone(cta_box, (p.block,), align, "center", stretch=1.0 if tall else 0.0)
    shapes = (Shape("rect", (block.left, block.top, block.right, block.bottom), p.block),)
    hug = frame.shape == "square" and frame.width >= frame.height  # portrait: centre, no void
    zone = Zone(text, field, frame.lead, "bottom" if hug else "center")
    return Scene(ground, shapes, zone, cta, None,
                 {"logo": _logo_slot(frame)})  # fmt: skip


def card(frame: Frame) -> Scene:
    """A paper card framed by the field: everything centred on the card."""
    p, s, w, h = frame.palette, frame.safe, frame.width, frame.height
    ground = _ground(frame, gradient=True)
    if contrast(p.paper, p.field) < 1.6:  # a light field would lose the card: frame it in block
        ground = (p.block, mix(p.block, p.ink, 0.2), ground[2])
    inset = max(4.0, min(s.left, s.top) * (0.45 if frame.shape != "banner" else 0.5))
    panel = Box(inset, inset, w - inset, h - inset)
    radius = min(w, h) * 0.035
    shapes = (Shape("round", (panel.left, panel.top, panel.right, panel.bottom), p.paper,
                    radius),)  # fmt: skip
    inner = Box(max(s.left, inset * 2.2), max(s.top, inset * 2.2), min(s.right, w - inset * 2.2),
                min(s.bottom, h - inset * 2.2))  # fmt: skip
    paper = (p.paper,)
    if frame.shape == "banner":
        cta_w = inner.width * frame.cta_share
        cta = Zone(_flip(frame, Box(inner.right - cta_w, inner.top, inner.right, inner.bottom)),
                   paper, "center", "center")  # fmt: skip
        text = Zone(_flip(frame, Box(inner.left, inner.top, inner.right - cta_w - _gap(frame),
                                     inner.bottom)), paper, frame.lead, "center")  # fmt: skip
        return Scene(ground, shapes, text, cta, None,
                     {"logo": _logo_slot(frame)})  # fmt: skip
    text = Zone(inner, paper, "center", "center")
    return Scene(ground, shapes, text, None, None,
                 {"logo": _logo_slot(frame)})  # fmt: skip


def diagonal(frame: Frame) -> Scene:
    """A slanted band of the bold colour carries the button; the headline sits above or beside."""
    p, s, w, h = frame.palette, frame.safe, frame.width, frame.height
    ground = _ground(frame, gradient=False)
    field = (p.field,)
    if frame.shape in ("wide", "banner"):
        a, b = (
            (0.62, 0.5)
            if frame.shape == "wide"
            else (1.02 - frame.cta_share, 0.96 - frame.cta_share)
        )
        band = _flip_points(frame, (w * a, 0, w, 0, w, h, w * b, h))
        cta = Zone(_flip(frame, Box(w * a + s.left * 0.4, s.top, s.right, s.bottom)), (p.block,),
                   "center", "center")  # fmt: skip
        text = _flip(frame, Box(s.left, s.top, w * b - s.left * 1.3, s.bottom))
        zone = Zone(text, field, frame.lead, "center")
    else:
        high, low = (0.56, 0.72) if frame.shape == "square" else (0.6, 0.72)
        band = _flip_points(frame, (0, h * low, w, h * high, w, h, 0, h))
        cta = Zone(Box(s.left, h * low + s.left * 0.4, s.right, s.bottom), (p.block,),
                   frame.trail, "center")  # fmt: skip
        zone = Zone(Box(s.left, s.top, s.right, h * high - s.left * 0.5), field, frame.lead,
                    "center", rule=True)  # fmt: skip
    shapes = (Shape("polygon", band, p.block),)
    return Scene(ground, shapes, zone, cta, None,
                 {"logo": _logo_slot(frame)})  # fmt: skip


def band(frame: Frame) -> Scene:
    """A band across the foot holds the button and the badge; the headline centred above."""
    p, s, w, h = frame.palette, frame.safe, frame.width, frame.height
    ground = _ground(frame, gradient=True)
    behind = (ground[0], ground[1])
    if frame.shape == "banner":
        stripe = max(3.0, h * 0.08)
        shapes: tuple[Shape, ...] = (Shape("rect", (0, 0, w, stripe), p.block),
                  Shape("rect", (0, h - stripe, w, h), p.block))  # fmt: skip
        inner = Box(s.left, max(s.top, stripe + 2), s.right, min(s.bottom, h - stripe - 2))
        cta_w = inner.width * frame.cta_share
        cta = Zone(_flip(frame, Box(inner.right - cta_w, inner.top, inner.right, inner.bottom)),
                   behind, "center", "center")  # fmt: skip
        text = Zone(_flip(frame, Box(inner.left, inner.top, inner.right - cta_w - _gap(frame),
                                     inner.bottom)), behind, frame.lead, "center")  # fmt: skip
        return Scene(ground, shapes, text, cta, None,
                     {"logo": _logo_slot(frame)})  # fmt: skip
    share = {"square": 0.22, "tall": 0.16, "wide": 0.26}[frame.shape]
    room = frame.rules.cta_size * 3.4  # the button's height and its breathing space
    top = round(min(h * (1 - share), s.bottom - room))  # the button stays in the safe area
    shapes = (Shape("rect", (0, top, w, h), p.block),)
    pad = min((h - top) * 0.18, (s.bottom - top) * 0.15)
    cta = Zone(Box(s.left, top + pad, s.right, min(s.bottom, h - pad)), (p.block,),
               "center" if frame.shape != "wide" else frame.lead, "center")  # fmt: skip
    d = min(s.width * 0.26, (s.bottom - top) * 1.3)
    badge = _flip(frame, Box(s.right - d, top - d * 0.6, s.right, top + d * 0.4))
    text = Zone(Box(s.left, s.top, s.right, top - s.left * 0.6), behind,
                "center" if frame.shape != "wide" else frame.lead, "center")  # fmt: skip
    return Scene(ground, shapes, text, cta, (badge, (p.block, *behind)),
                 {"logo": _logo_slot(frame)})  # fmt: skip


def showcase(frame: Frame) -> Scene:
    """Image-forward: a stage where the product image goes (a graphic until then), text beside."""
    p, s, w, h = frame.palette, frame.safe, frame.width, frame.height
    ground = _ground(frame, gradient=False)
    field = (p.field,)
    if frame.shape == "banner":
        stage = _flip(frame, Box(s.left, s.top, s.left + s.height * 1.4, s.bottom))
        rest = _flip(frame, Box(s.left + s.height * 1.4 + _gap(frame), s.top, s.right, s.bottom))
        cta_w = rest.width * (frame.cta_share + 0.04)
        cta = Zone(_flip(frame, Box(s.right - cta_w, s.top, s.right, s.bottom)), field, "center",
                   "center")  # fmt: skip
        text = Zone(_flip(frame, Box(s.left + s.height * 1.4 + _gap(frame), s.top,
                                     s.right - cta_w - _gap(frame), s.bottom)), field,
                    frame.lead, "center")  # fmt: skip
        del rest
    elif frame.shape == "wide":
        stage = _flip(frame, Box(s.top, s.top, w * 0.44, h - s.top))
        text = Zone(_flip(frame, Box(w * 0.44 + s.left * 0.8, s.top, s.right, s.bottom)), field,
                    frame.lead, "center")  # fmt: skip
        cta = None
    else:
        share = 0.5 if frame.shape == "square" else 0.46
        stage = Box(s.left * 0.6, s.left * 0.6, w - s.left * 0.6, h * share)
        text = Zone(Box(s.left, h * share + s.left * 0.6, s.right, s.bottom), field, frame.lead,
                    "center")  # fmt: skip
        cta = None
    d = min(stage.width, stage.height) * (0.3 if frame.shape != "banner" else 0.6)
    inset = d * 0.12
    x = max(s.left, stage.left + inset) if frame.rtl else min(s.right, stage.right - inset) - d
    y = max(s.top, stage.top + inset)  # a sticker carries text: it stays in the safe area
    sticker: Box | None = Box(x, y, x + d, y + d)
    if frame.shape == "banner" or frame.product:  # never a sticker over the product
        sticker = None
    badge = (sticker, (p.block,)) if sticker else None
    return Scene(ground, _stage(frame, stage), text, cta, badge,
                 {"logo": _logo_slot(frame), "image": stage})  # fmt: skip


def _stage(frame: Frame, box: Box) -> tuple[Shape, ...]:
    """The image slot's stand-in: a rounded panel, a disc behind and a podium for the product."""
    p = frame.palette
    radius = min(box.width, box.height) * 0.08
    panel = Shape("round", (box.left, box.top, box.right, box.bottom), p.block, radius)
    if frame.product:  # the product stands on the plain panel
        return (panel,)
    cx = box.left + box.width * (0.5 + (0.12 if frame.variation % 2 else -0.12))
    r = min(box.width, box.height) * 0.3
    cy = box.top + box.height * 0.42
    disc = Shape("ellipse", (cx - r, cy - r, cx + r, cy + r), mix(p.block, p.paper, 0.3))
    pw, top = min(box.width * 0.26, r * 1.15), box.top + box.height * 0.7
    cap = box.height * 0.06
    body = Shape("rect", (cx - pw, top, cx + pw, box.bottom - box.height * 0.1),
                 mix(p.block, p.ink, 0.45))  # fmt: skip
    foot = box.bottom - box.height * 0.1
    base = Shape("ellipse", (cx - pw, foot - cap, cx + pw, foot + cap), mix(p.block, p.ink, 0.45))
    lid = Shape("ellipse", (cx - pw, top - cap, cx + pw, top + cap), mix(p.block, p.paper, 0.55))
    return (panel, disc, body, base, lid)


FAMILY_SCENES: dict[str, Callable[[Frame], Scene]] = {
    "poster": poster,
    "split": split,
    "card": card,
    "diagonal": diagonal,
    "band": band,
    "showcase": showcase,
}
