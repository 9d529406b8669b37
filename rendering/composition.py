"""Set the text of a creative into its family's scene: one group, sizes chosen together.

The headline takes the largest size its zone allows (a one-word claim grows to fill it), and
always at least twice the button label's size. The label shrinks within its floor, then wraps
to a second line, rather than being cut. A subline or badge that cannot be set at its floor is
left out before the headline drops below its own floor.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from domain.catalog import FORMATS, LANGUAGES
from rendering.brand import Assets, Placement, brand_pairing, logo_slot, place_product
from rendering.design import Design
from rendering.families import FAMILY_SCENES, PAIRINGS, Frame, Zone, badge_slot
from rendering.fonts import FontSource
from rendering.hyphenate import HYPHEN
from rendering.layout import (
    RULES,
    Box,
    CreativeLayout,
    PlacedText,
    Shape,
    TextElement,
    safe_area,
)  # fmt: skip
from rendering.legibility import FLOORS, Floors
from rendering.linebreak import TextBlock, TextStyle
from rendering.linebreak import fit_text as _fit_text
from rendering.palette import Color, distinct_from, ink_on, mix
from rendering.spec import CreativeSpec
from rendering.text import drawable, drawable_claim
from rendering.typefaces import face_for

LEADING = {"arabic": 1.55, "devanagari": 1.5, "thai": 1.55, "hebrew": 1.22, "cjk": 1.24}
DISPLAY_LEADING = 1.02  # display faces set tight: a headline reads as one shape
TEXT_LEADING = 1.25
BREAKS_AFTER = (HYPHEN, "-", "\u2013", "/")  # a line may end inside a word after these


def style(language: str, face: FontSource, weight: int, display: bool, text: str) -> TextStyle:
    """The family's face when it draws the whole text, else the language's house font."""
    script = LANGUAGES[language].script
    leading = LEADING.get(script, DISPLAY_LEADING if display else TEXT_LEADING)
    chosen = face_for(face, text) if script in ("latin", "cyrillic", "greek") else None
    if chosen is None:  # the house font: bold for headlines, semi-bold for labels
        weight = (800 if script in ("latin", "cyrillic", "greek") else 700) if display else 650
        leading = max(leading, 1.1)
    return TextStyle(language, weight, leading, chosen)


def fit_text(
    text: str, st: TextStyle, width: float, height: float, max_lines: int, size: int, floor: int
) -> TextBlock:
    """linebreak.fit_text, narrowed until no line is wider than the box.

    Its last-resort ellipsis can overshoot the width by a few pixels; text never leaves its box.
    """
    block = _fit_text(text, st, width, height, max_lines, size, floor)
    target = width
    for _ in range(4):
        widest = max((max(line.width, line.ink[2]) for line in block.lines), default=0.0)
        if widest <= width:
            return block
        target -= widest - width + 1
        block = _fit_text(text, st, target, height, max_lines, size, floor)
    return block


def place(block: TextBlock, region: Box, top: float, align: str) -> tuple[PlacedText, ...]:
    """Lines from `top` down, aligned in the region, ink kept inside it."""
    placed = []
    baseline = top - block.ink_top
    for line in block.lines:
        x = _align_x(align, region, line.width)
        x = min(max(x, region.left - line.ink[0]), region.right - line.ink[2])
        placed.append(PlacedText(line, x, baseline))
        baseline += block.line_height
    return tuple(placed)


def _align_x(align: str, region: Box, width: float) -> float:
    if align == "left":
        return region.left
    if align == "right":
        return region.right - width
    return (region.left + region.right - width) / 2


def _label(text: str, st: TextStyle, width: float, size: int, floor: int) -> TextBlock:
    """One line within [floor, size]; else two lines; never an ellipsis if two lines fit."""
    one = fit_text(text, st, width, size * 3, 1, size, floor)
    if not one.ellipsized:
        return one
    two = fit_text(text, st, width, size * 6, 2, size, floor)
    return two if not two.ellipsized else one


def _button(label: TextBlock) -> tuple[float, float]:
    pad_x, pad_y = label.size * 1.15, label.size * 0.72
    return label.width + 2 * pad_x, max(label.size * 2.3, label.height + 2 * pad_y)


def _carve(zone: Box, slot: Box) -> Box:
    """The zone without the slot: cut from the top or from the side, whichever keeps more."""
    if not zone.overlaps(slot):
        return zone
    gap = slot.height * 0.12
    below = Box(zone.left, slot.bottom + gap, zone.right, zone.bottom)
    beside = (Box(zone.left, zone.top, slot.left - gap, zone.bottom) if slot.left > zone.left
              else Box(slot.right + gap, zone.top, zone.right, zone.bottom))  # fmt: skip
    if below.height >= zone.height * 0.6:  # text sets better in a full-width box
        return below
    return max((below, beside), key=lambda b: max(0.0, b.width) * max(0.0, b.height))


def compose(
    spec: CreativeSpec, design: Design, family: str, assets: Assets | None = None
) -> CreativeLayout:
    """The family's scene with the spec's text set into it, the kit's logo and product too."""
    assets = assets or Assets()
    fmt, rules, floors = (
        FORMATS[spec.format_code],
        RULES[spec.format_code],
        FLOORS[spec.format_code],
    )
    frame = Frame(fmt.width, fmt.height, safe_area(spec.format_code), rules, design.palette,
                  LANGUAGES[spec.language].rtl, design.variation,
                  product=assets.product_size is not None)  # fmt: skip
    pairing = PAIRINGS[family]
    if assets.face:
        pairing = brand_pairing(assets.face, pairing)
    claim = drawable_claim(spec.claim, spec.language)
    cta_text = drawable(spec.cta, spec.language) or LANGUAGES[spec.language].default_cta
    head_style = style(spec.language, pairing.display, pairing.display_weight, True, claim)
    text_style = style(spec.language, pairing.text, pairing.text_weight, False, cta_text)
    sub_text = drawable(spec.subline, spec.language) if spec.subline else ""
    shares = (0.3, 0.38, 0.46) if frame.shape == "banner" else (0.3,)
    for share in shares:  # a banner widens its button column rather than cut the label
        frame = replace(frame, cta_share=share)
        scene = FAMILY_SCENES[family](frame)
        zone = scene.text
        badge_el: TextElement | None = None
        badge_shape: Shape | None = None
        slot = scene.badge or badge_slot(zone, frame.shape == "banner", frame.rtl)
        if spec.badge and drawable(spec.badge, spec.language):
            badge_el, badge_shape = _badge(spec, slot, pairing, floors, design)
            if badge_el is not None and badge_shape is not None:
                zone = replace(zone, box=_carve(zone.box, Box(*badge_shape.points)))
        logo = None
        if assets.logo_aspect:  # from the zone as drawn: the badge keeps the other corner
            logo = logo_slot(scene.text.box, scene.text.align, frame.shape == "banner",
                             frame.rtl, assets.logo_aspect, frame.safe)  # fmt: skip
        if logo is not None:
            zone = replace(zone, box=_carve(zone.box, logo))
        cta_zone = scene.cta or zone
        group = _group(claim, cta_text, sub_text, head_style, text_style, zone, cta_zone,
                       scene.cta is None, rules.cta_size, rules.max_lines, floors)  # fmt: skip
        if not group[1][0].ellipsized:
            break
    headline, label, subline, button, legible = group
    product: Placement | None = None
    if assets.product_size and "image" in scene.slots:
        product = place_product(scene.slots["image"], assets.product_size, assets.cutout)
    palette = design.palette
    head_ink = ink_on(list(zone.behind), palette)
    choices = [palette.accent, palette.ink, palette.paper, palette.block]
    button_color = distinct_from(list(cta_zone.behind), choices)
    shapes = scene.shapes
    if zone.rule and headline[1]:
        shapes = (*shapes, _rule(zone, headline, palette, rules.cta_size))
    return CreativeLayout(
        fmt.width, fmt.height, frame.safe, design, family, scene.ground, shapes,
        TextElement(headline[0], headline[1], head_style, head_ink, zone.behind),
        TextElement(subline[0], subline[1], text_style, head_ink, zone.behind)
        if subline else None,
        button, button_color, cta_zone.behind,
        TextElement(label[0], label[1], text_style, ink_on([button_color], palette),
                    (button_color,)),
        badge_el, badge_shape, {**scene.slots, "badge": slot[0]}, legible, logo, product,
    )  # fmt: skip


Placed = tuple[TextBlock, tuple[PlacedText, ...]]


def _group(
    claim: str, cta: str, sub: str, head_style: TextStyle, text_style: TextStyle, zone: Zone,
    cta_zone: Zone, inline: bool, cta_size: int, max_lines: int, floors: Floors,
) -> tuple[Placed, Placed, Placed | None, Box, bool]:  # fmt: skip
    """Fit headline, subline and button together, then place them as one group."""
    box = zone.box
    label_w = cta_zone.box.width - 2 * cta_size * 1.15
    size = cta_size
    label = _label(cta, text_style, label_w, size, floors.cta)
    subline: TextBlock | None = None
    headline = None
    for _ in range(3):  # sizes depend on each other: settle in a few rounds
        button_w, button_h = _button(label)
        gap = max(label.size * 1.4, 4.0)
        room = box.height - (button_h + gap if inline else 0) - (_rule_space(zone, label.size))
        if sub:
            sub_size = max(floors.subline, round(label.size * 1.15))
            subline = fit_text(sub, text_style, box.width, room * 0.3, 3, sub_size,
                               floors.subline)  # fmt: skip
            if subline.ellipsized:
                subline = None
        sub_room = subline.height + label.size * 0.9 if subline else 0.0
        cap = max(floors.headline, round(min(room * 0.75, box.width * 0.6, box.height * 0.6)))
        headline = fit_text(claim, head_style, box.width, room - sub_room, max_lines, cap,
                            floors.headline)  # fmt: skip
        if headline.ellipsized and subline is not None:
            subline, sub = None, ""
            continue
        if headline.size >= 2 * label.size or label.size <= floors.cta:
            break
        size = max(floors.cta, headline.size // 2)
        label = _label(cta, text_style, label_w, size, min(size, floors.cta))
    assert headline is not None
    button_w, button_h = _button(label)
    gap = max(label.size * 1.4, headline.size * 0.28, 4.0)
    sub_gap = headline.size * 0.3 if subline else 0.0
    rule = _rule_space(zone, label.size)
    group_h = rule + headline.height + (sub_gap + subline.height if subline else 0.0)
    group_h += button_h + gap if inline else 0.0
    top = {"top": box.top, "center": box.top + (box.height - group_h) / 2,
           "bottom": box.bottom - group_h}[zone.anchor]  # fmt: skip
    top = max(top, box.top)
    lines = place(headline, box, top + rule, zone.align)
    y = top + rule + headline.height
    sub_placed: Placed | None = None
    if subline:
        sub_placed = (subline, place(subline, box, y + sub_gap, zone.align))
        y += sub_gap + subline.height
    if inline:
        bx = _align_x(zone.align, box, button_w)
        button = Box(bx, y + gap, bx + button_w, y + gap + button_h)
    else:
        cb = cta_zone.box
        button_w = max(button_w, cb.width * cta_zone.stretch)
        bx = _align_x(cta_zone.align, cb, button_w)
        tight = min(button_h, max(cb.height, label.height))  # padding gives way first
        by = max(cb.top, cb.top + (cb.height - tight) / 2)
        button = Box(bx, by, bx + button_w, by + tight)
    label_top = button.top + (button.height - label.height) / 2
    label_lines = place(label, button, label_top, "center")
    legible = (
        not headline.ellipsized and not label.ellipsized
        and whole_words(headline, claim, head_style.language)
        and headline.size >= floors.headline and label.size >= floors.cta
        and headline.size >= 2 * label.size
        and (inline or (button_h <= cta_zone.box.height and button_w <= cta_zone.box.width))
    )  # fmt: skip
    return (headline, lines), (label, label_lines), sub_placed, button, legible


def whole_words(block: TextBlock, text: str, language: str) -> bool:
    """No line ends inside a word unless at a drawn hyphen (space-separated scripts only)."""
    if LANGUAGES[language].script in ("cjk", "thai"):
        return True  # their segmenter decides the break points
    words = set(text.split())
    after_hyphen = False
    for line in block.lines:
        tokens = line.text.split()
        for i, token in enumerate(tokens):
            continued = i == 0 and after_hyphen
            if token not in words and not token.endswith(BREAKS_AFTER) and not continued:
                return False
        after_hyphen = bool(tokens) and tokens[-1].endswith(BREAKS_AFTER)
    return True


def _rule_space(zone: Zone, cta_size: int) -> float:
    return cta_size * 1.6 if zone.rule else 0.0


def _rule(zone: Zone, headline: Placed, palette: object, cta_size: int) -> Shape:
    """A short accent bar above the headline, on its alignment edge."""
    from rendering.palette import Palette

    assert isinstance(palette, Palette)
    first = headline[1][0].box
    height = max(3.0, cta_size * 0.28)
    width = cta_size * 2.2
    x = _align_x(zone.align, zone.box, width)
    top = first.top - cta_size * 1.6 + height
    color = distinct_from(list(zone.behind), [palette.accent, palette.block, palette.paper])
    return Shape("rect", (x, top - height, x + width, top), color)


def _badge(
    spec: CreativeSpec, slot: tuple[Box, tuple[Color, ...]], pairing: object, floors: Floors,
    design: Design,
) -> tuple[TextElement | None, Shape | None]:  # fmt: skip
    """A round sticker with the badge text, or nothing when the text cannot be legible in it."""
    from rendering.typefaces import Pairing

    assert isinstance(pairing, Pairing) and spec.badge
    box, behind = slot
    text = drawable(spec.badge, spec.language)
    # "-20%" in a right-to-left paragraph would read "20%-": a sticker without right-to-left
    # letters is its own left-to-right paragraph
    rtl_letters = any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)
    language = spec.language if rtl_letters or not LANGUAGES[spec.language].rtl else "EN"
    st = style(language, pairing.display, pairing.display_weight, True, text)
    d = min(box.width, box.height)
    block = fit_text(text, st, d * 0.7, d * 0.6, 2, max(floors.cta, round(d * 0.3)), floors.cta)
    if block.ellipsized:
        return None, None
    palette = design.palette
    p = palette
    choices = [
        p.block,
        p.accent,
        p.ink,
        p.paper,
        mix(p.block, p.ink, 0.5),
        mix(p.field, p.paper, 0.5),
    ]
    color = distinct_from(list(behind), choices)
    circle = Box(box.right - d, box.top, box.right, box.top + d)
    lines = place(block, circle, circle.top + (d - block.height) / 2, "center")
    shape = Shape("ellipse", (circle.left, circle.top, circle.right, circle.bottom), color)
    return TextElement(block, lines, st, ink_on([color], palette), (color,)), shape
