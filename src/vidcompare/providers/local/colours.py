"""Colour families: one perceptual rule that names both a measured colour and a colour
word in an answer, so the judge compares like with like.

The rule works in CIE L*a*b* (sRGB, D65): lightness L* (0-100), chroma C* (distance from
grey) and hue angle h (degrees).

1. C* below :data:`GREY_CHROMA` is achromatic: black under L* 20, white from L* 90,
   grey between. Very light tints (L* >= 90, C* < 20) are white too.
2. Otherwise the hue angle picks a sector (:data:`HUE_SECTORS`); lightness and chroma
   then split a sector where language does:

   * red-pink hues (345-20 deg) lighter than L* 60 are pink;
   * orange hues (45-85 deg) are brown when dark (L* < 60) or dull (C* < 30);
   * purple hues (310-345 deg) are magenta when light (L* >= 50) and vivid (C* >= 90).

So a grey is never brown: brown needs an orange hue *and* chroma above the grey line.
A colour near a border can honestly be named either way: :func:`families_near` also
accepts the families reached by moving it a little (see :data:`BORDER_MARGIN`).
"""

from __future__ import annotations

import math
import re
from itertools import product

RGB = tuple[int, int, int]

GREY_CHROMA = 12.0
BLACK_BELOW_L, WHITE_FROM_L = 20.0, 90.0
PASTEL_CHROMA = 20.0
PINK_FROM_L = 60.0
BROWN_BELOW_L, BROWN_BELOW_C = 60.0, 30.0
MAGENTA_FROM_L, MAGENTA_FROM_C = 50.0, 90.0
# (first hue, family) in ascending hue order; a sector runs until the next one starts.
HUE_SECTORS: tuple[tuple[float, str], ...] = (
    (0.0, "red"),
    (20.0, "red"),
    (45.0, "orange"),
    (85.0, "yellow"),
    (115.0, "green"),
    (170.0, "cyan"),
    (230.0, "blue"),
    (310.0, "purple"),
    (345.0, "red"),
)
# How far (L*, C*, hue degrees) a colour may move and still be called what it becomes.
BORDER_MARGIN = (4.0, 3.0, 3.0)

# Colour words answers use, each at its CSS (or usual) sRGB value. Its family comes from
# the rule above, never from the word: "navy" is blue because (0, 0, 128) is.
COLOUR_ANCHORS: dict[str, RGB] = {
    "red": (255, 0, 0), "crimson": (220, 20, 60), "scarlet": (255, 36, 0),
    "maroon": (128, 0, 0), "burgundy": (128, 0, 32), "rust": (183, 65, 14),
    "orange": (255, 165, 0), "amber": (255, 191, 0), "coral": (255, 127, 80),
    "salmon": (250, 128, 114), "yellow": (255, 255, 0), "gold": (255, 215, 0),
    "golden": (255, 215, 0), "khaki": (240, 230, 140), "green": (0, 128, 0),
    "lime": (0, 255, 0), "olive": (128, 128, 0), "emerald": (80, 200, 120),
    "blue": (0, 0, 255), "navy": (0, 0, 128), "azure": (0, 127, 255),
    "cobalt": (0, 71, 171), "indigo": (75, 0, 130), "purple": (128, 0, 128),
    "violet": (138, 43, 226), "lilac": (200, 162, 200), "plum": (142, 69, 133),
    "cyan": (0, 255, 255), "turquoise": (64, 224, 208), "teal": (0, 128, 128),
    "aqua": (0, 255, 255), "magenta": (255, 0, 255), "fuchsia": (255, 0, 255),
    "pink": (255, 192, 203), "rose": (255, 102, 153), "brown": (139, 69, 19),
    "tan": (210, 180, 140), "chocolate": (123, 63, 0), "beige": (245, 245, 220),
    "white": (255, 255, 255), "cream": (255, 253, 208), "ivory": (255, 255, 240),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "silver": (192, 192, 192),
    "charcoal": (54, 69, 79), "black": (0, 0, 0),
}  # fmt: skip

# "#8b4513", "rgb(139, 69, 19)", "rgb 139, 69, 19", "RGB 139 69 19".
_HEX = re.compile(r"#([0-9a-f]{6})\b", re.IGNORECASE)
_RGB_TRIPLE = re.compile(
    r"\brgb\s*\(?\s*(\d{1,3})\s*[,\s]\s*(\d{1,3})\s*[,\s]\s*(\d{1,3})\s*\)?", re.IGNORECASE
)
# A colour word followed by "-" and another colour word is a modifier ("grey-brown" is
# brown); words like "greyish" never match the word pattern at all.
_WORD = re.compile(
    r"\b(" + "|".join(sorted(COLOUR_ANCHORS, key=len, reverse=True)) + r")\b(?!-\w)",
    re.IGNORECASE,
)


def lab(rgb: RGB) -> tuple[float, float, float]:
    """CIE L*, C*, h (degrees) of an sRGB colour under D65."""
    linear = [_linear(c / 255) for c in rgb]
    x = (0.4124564 * linear[0] + 0.3575761 * linear[1] + 0.1804375 * linear[2]) / 0.95047
    y = 0.2126729 * linear[0] + 0.7151522 * linear[1] + 0.0721750 * linear[2]
    z = (0.0193339 * linear[0] + 0.1191920 * linear[1] + 0.9503041 * linear[2]) / 1.08883
    fx, fy, fz = _f(x), _f(y), _f(z)
    a, b = 500 * (fx - fy), 200 * (fy - fz)
    return 116 * fy - 16, math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360


def family(rgb: RGB) -> str:
    """The colour family of ``rgb`` by the rule in this module's docstring."""
    return _family_lch(*lab(rgb))


def families_near(rgb: RGB) -> frozenset[str]:
    """``family(rgb)`` plus the families a slightly different colour would get."""
    lightness, chroma, hue = lab(rgb)
    dl, dc, dh = BORDER_MARGIN
    return frozenset(
        _family_lch(lightness + i * dl, max(0.0, chroma + j * dc), (hue + k * dh) % 360)
        for i, j, k in product((-1, 0, 1), repeat=3)
    )


def colour_mentions(sentence: str) -> list[tuple[int, str, str]]:
    """``(offset, what the answer wrote, its family)`` for each colour word, hex code or
    rgb triple, in order. Negation is the caller's business."""
    found: list[tuple[int, str, str]] = []
    for m in _HEX.finditer(sentence):
        value = int(m.group(1), 16)
        rgb = (value >> 16, (value >> 8) & 0xFF, value & 0xFF)
        found.append((m.start(), m.group(0), family(rgb)))
    for m in _RGB_TRIPLE.finditer(sentence):
        channels = [int(v) for v in m.groups()]
        if all(c <= 255 for c in channels):
            r, g, b = channels
            found.append((m.start(), m.group(0).strip(), family((r, g, b))))
    for m in _WORD.finditer(sentence):
        found.append((m.start(), m.group(1).lower(), family(COLOUR_ANCHORS[m.group(1).lower()])))
    return sorted(found)


def _family_lch(lightness: float, chroma: float, hue: float) -> str:
    if chroma < GREY_CHROMA or (lightness >= WHITE_FROM_L and chroma < PASTEL_CHROMA):
        if lightness < BLACK_BELOW_L:
            return "black"
        return "white" if lightness >= WHITE_FROM_L else "grey"
    name = next(n for start, n in reversed(HUE_SECTORS) if hue >= start)
    if name == "red" and (hue >= 345.0 or hue < 20.0) and lightness >= PINK_FROM_L:
        return "pink"
    if name == "orange" and (lightness < BROWN_BELOW_L or chroma < BROWN_BELOW_C):
        return "brown"
    if name == "purple" and lightness >= MAGENTA_FROM_L and chroma >= MAGENTA_FROM_C:
        return "magenta"
    return name


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _f(t: float) -> float:
    return math.cbrt(t) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29
