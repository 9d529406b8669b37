"""Where everything goes: a pure function from a creative spec to boxes, lines and origins."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalog import FORMATS, LANGUAGES
from rendering.design import Design, design_for
from rendering.fonts import layout_engine
from rendering.linebreak import Line, TextBlock, TextStyle, fit_text
from rendering.spec import CreativeSpec
from rendering.text import drawable, drawable_claim

LEADING = {"arabic": 1.55, "devanagari": 1.5, "thai": 1.55, "hebrew": 1.22, "cjk": 1.24}
LATIN_LEADING = 1.1


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

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

    shape: str  # stack, split or banner
    max_lines: int
    headline_max: int
    headline_min: int
    cta_size: int
    margin_x: int
    margin_y: int


RULES = {
    "F1": FormatRules("stack", 7, 116, 26, 40, 86, 86),
    "F2": FormatRules("stack", 8, 120, 26, 42, 86, 96),
    "F3": FormatRules("stack", 10, 132, 28, 46, 90, 250),  # stories: keep clear of the app UI
    "F4": FormatRules("split", 6, 96, 22, 34, 60, 56),
    "F5": FormatRules("stack", 7, 128, 28, 44, 96, 96),
    "F6": FormatRules("stack", 8, 104, 24, 38, 76, 84),
    "F7": FormatRules("stack", 5, 34, 11, 13, 18, 18),
    "F8": FormatRules("stack", 5, 38, 11, 14, 20, 20),
    "F9": FormatRules("banner", 2, 28, 9, 14, 20, 9),
    "F10": FormatRules("stack", 12, 28, 10, 12, 12, 26),
    "F11": FormatRules("banner", 2, 17, 8, 11, 8, 4),
    "F12": FormatRules("stack", 10, 44, 12, 15, 22, 28),
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
class CreativeLayout:
    """Every box of one creative: tests check these, the painter draws them."""

    width: int
    height: int
    safe: Box
    design: Design
    headline: TextBlock
    headline_lines: tuple[PlacedText, ...]
    button: Box
    cta_label: TextBlock
    cta: PlacedText
    panel: Box | None  # the split format's CTA side
    accent_bar: Box | None

    @property
    def headline_box(self) -> Box:
        boxes = [p.box for p in self.headline_lines] or [Box(0, 0, 0, 0)]
        return Box(
            min(b.left for b in boxes),
            min(b.top for b in boxes),
            max(b.right for b in boxes),
            max(b.bottom for b in boxes),
        )


def headline_style(language: str) -> TextStyle:
    """Bold display type with leading the script's marks need."""
    return _style(language, True)


def cta_style(language: str) -> TextStyle:
    """Semi-bold label type."""
    return _style(language, False)


def _style(language: str, headline: bool) -> TextStyle:
    script = LANGUAGES[language].script
    weight = (800 if script in ("latin", "cyrillic", "greek") else 700) if headline else 650
    return TextStyle(language, weight, LEADING.get(script, LATIN_LEADING))


def _place(block: TextBlock, region: Box, top: float, align: str) -> tuple[PlacedText, ...]:
    """Lines from `top` down, aligned left/right/center in the region, ink kept inside it."""
    placed = []
    baseline = top - block.ink_top
    for line in block.lines:
        if align == "left":
            x = region.left
        elif align == "right":
            x = region.right - line.width
        else:
            x = (region.left + region.right - line.width) / 2
        x = min(max(x, region.left - line.ink[0]), region.right - line.ink[2])
        placed.append(PlacedText(line, x, baseline))
        baseline += block.line_height
    return tuple(placed)


def _button(
    spec: CreativeSpec, rules: FormatRules, max_width: float
) -> tuple[TextBlock, float, float]:
    """The CTA label and the button's width and height around it."""
    pad = rules.cta_size * 1.2
    cta = drawable(spec.cta, spec.language) or LANGUAGES[spec.language].default_cta
    label = fit_text(
        cta, _style(spec.language, False), max_width - 2 * pad, rules.cta_size * 2.2, 1,
        rules.cta_size, max(7, round(rules.cta_size * 0.7)),
    )  # fmt: skip
    height = max(rules.cta_size * 2.4, label.height + rules.cta_size * 1.1)
    return label, label.width + 2 * pad, height


def _cta(label: TextBlock, button: Box) -> PlacedText:
    line = label.lines[0]
    x = (button.left + button.right - line.width) / 2
    middle = (button.top + button.bottom) / 2
    return PlacedText(line, x, middle - (line.ink[1] + line.ink[3]) / 2)


def _align_x(align: str, region: Box, width: float) -> float:
    if align == "left":
        return region.left
    if align == "right":
        return region.right - width
    return (region.left + region.right - width) / 2


def layout_creative(spec: CreativeSpec) -> CreativeLayout:
    """Lay out headline and call-to-action for the spec's format, language and seed.

    Characters no font covers are left out; a claim of nothing else is UnrenderableClaim.
    """
    fmt, rules = FORMATS[spec.format_code], RULES[spec.format_code]
    layout_engine(LANGUAGES[spec.language].script)  # fail early without shaping support
    design = design_for(spec.variant_seed)
    safe = Box(rules.margin_x, rules.margin_y, fmt.width - rules.margin_x,
               fmt.height - rules.margin_y)  # fmt: skip
    claim = drawable_claim(spec.claim, spec.language)
    build = {"stack": _stack, "split": _split, "banner": _banner}[rules.shape]
    return build(spec, rules, design, safe, claim)


def _stack(
    spec: CreativeSpec, rules: FormatRules, design: Design, safe: Box, claim: str
) -> CreativeLayout:
    rtl = LANGUAGES[spec.language].rtl
    fmt = FORMATS[spec.format_code]
    composition = design.composition
    if composition == "bottom" and fmt.height >= 1.6 * fmt.width:
        composition = "top"  # a tall canvas with the text at its foot looks unfinished
    align = "center" if composition == "center" else ("right" if rtl else "left")
    label, button_w, button_h = _button(spec, rules, safe.right - safe.left)
    gap = rules.cta_size * 1.5
    bar_h = max(3.0, rules.cta_size * 0.28) if composition != "center" else 0.0
    bar_space = bar_h + rules.cta_size * 1.1 if bar_h else 0.0
    text_h = safe.bottom - safe.top - button_h - gap - bar_space
    block = fit_text(claim, _style(spec.language, True), safe.right - safe.left, text_h,
                     rules.max_lines, rules.headline_max, rules.headline_min)  # fmt: skip
    group_h = bar_space + block.height + gap + button_h
    top = {
        "top": safe.top,
        "center": safe.top + (safe.bottom - safe.top - group_h) / 2,
        "bottom": safe.bottom - group_h,
    }[composition]
    lines = _place(block, safe, top + bar_space, align)
    button_top = safe.bottom - button_h if composition == "top" else top + group_h - button_h
    button_x = _align_x(align, safe, button_w)
    button = Box(button_x, button_top, button_x + button_w, button_top + button_h)
    bar_w = rules.cta_size * 2.2
    bar_x = _align_x(align, safe, bar_w)
    bar = Box(bar_x, top, bar_x + bar_w, top + bar_h) if bar_h else None
    return CreativeLayout(
        FORMATS[spec.format_code].width, FORMATS[spec.format_code].height, safe, design, block,
        lines, button, label, _cta(label, button), None, bar,
    )  # fmt: skip


def _split(
    spec: CreativeSpec, rules: FormatRules, design: Design, safe: Box, claim: str
) -> CreativeLayout:
    fmt = FORMATS[spec.format_code]
    rtl = LANGUAGES[spec.language].rtl
    panel_w = round(fmt.width * 0.34)
    panel = Box(0, 0, panel_w, fmt.height) if rtl else Box(fmt.width - panel_w, 0, fmt.width,
                                                            fmt.height)  # fmt: skip
    gutter = rules.margin_x
    text = Box(panel.right + gutter, safe.top, safe.right, safe.bottom) if rtl else Box(
        safe.left, safe.top, panel.left - gutter, safe.bottom)  # fmt: skip
    cta_side = Box(panel.left + gutter, safe.top, panel.right - gutter, safe.bottom)
    label, button_w, button_h = _button(spec, rules, cta_side.right - cta_side.left)
    block = fit_text(claim, _style(spec.language, True), text.right - text.left,
                     text.bottom - text.top, rules.max_lines, rules.headline_max,
                     rules.headline_min)  # fmt: skip
    lines = _place(block, text, text.top + (text.bottom - text.top - block.height) / 2,
                   "right" if rtl else "left")  # fmt: skip
    button_x = _align_x("center", cta_side, button_w)
    button_top = (fmt.height - button_h) / 2
    button = Box(button_x, button_top, button_x + button_w, button_top + button_h)
    return CreativeLayout(fmt.width, fmt.height, safe, design, block, lines, button,
                          label, _cta(label, button), panel, None)  # fmt: skip


def _banner(
    spec: CreativeSpec, rules: FormatRules, design: Design, safe: Box, claim: str
) -> CreativeLayout:
    fmt = FORMATS[spec.format_code]
    rtl = LANGUAGES[spec.language].rtl
    label, button_w, button_h = _button(spec, rules, (safe.right - safe.left) * 0.4)
    button_h = min(button_h, safe.bottom - safe.top)
    gap = rules.cta_size * 1.2
    button_x = safe.left if rtl else safe.right - button_w
    button_top = (fmt.height - button_h) / 2
    button = Box(button_x, button_top, button_x + button_w, button_top + button_h)
    text = Box(button.right + gap, safe.top, safe.right, safe.bottom) if rtl else Box(
        safe.left, safe.top, button.left - gap, safe.bottom)  # fmt: skip
    block = fit_text(claim, _style(spec.language, True), text.right - text.left,
                     text.bottom - text.top, rules.max_lines, rules.headline_max,
                     rules.headline_min)  # fmt: skip
    lines = _place(block, text, text.top + (text.bottom - text.top - block.height) / 2,
                   "right" if rtl else "left")  # fmt: skip
    return CreativeLayout(fmt.width, fmt.height, safe, design, block, lines, button,
                          label, _cta(label, button), None, None)  # fmt: skip
