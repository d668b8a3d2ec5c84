"""Procedural emoji faces: 16x16, two channels (0 = face fill, 1 = ink), values 0/1.

A face is an outline (round, oval, wide), eyes, a mouth and optional extras. Parts are tiny pixel sprites placed
on the canvas, so every design is exact and reproducible. `BASE_DESIGNS` names the ones the VAE is trained on;
everything else the decoder draws, it invented.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

SIZE = 16
SHAPE = (2, SIZE, SIZE)


def _sprite(*rows: str) -> np.ndarray:
    return np.array([[c == "#" for c in r] for r in rows], dtype=bool)


# Eyes are 3 wide x 3 tall, anchored at (row 4, col 4) for the left eye; the right eye is its mirror image at
# (row 4, col 9), so faces are symmetric about the canvas centre.
EYES = {
    "dots": _sprite("...", ".##", ".##"),
    "closed": _sprite("...", ".#.", "#.#"),
    "line": _sprite("...", "...", "###"),
    "heart": _sprite("#.#", "###", ".#."),
    "cross": _sprite("#.#", ".#.", "#.#"),
    "ring": _sprite("###", "#.#", "###"),
}
# Mouths are 8 wide x 4 tall, anchored at (row 9, col 4).
MOUTHS = {
    "smile": _sprite("#......#", ".#....#.", "..####..", "........"),
    "frown": _sprite("........", "..####..", ".#....#.", "#......#"),
    "open": _sprite("..####..", ".#....#.", ".#....#.", "..####.."),
    "flat": _sprite("........", ".######.", "........", "........"),
    "grin": _sprite("########", ".######.", "..####..", "........"),
    "wavy": _sprite("........", ".#.##.#.", "#.#..#.#", "........"),
    "tongue": _sprite("#......#", ".######.", "...##...", "...##..."),
    "small": _sprite("........", "...##...", "...##...", "........"),
}
# Extras: full-canvas masks of ink to add.
_EXTRAS = {
    "glasses": [(3, c) for c in range(3, 13)] + [(7, c) for c in (3, 4, 5, 6, 9, 10, 11, 12)]
    + [(r, c) for r in (4, 5, 6) for c in (3, 7, 8, 12)],
    "tears": [(7, 3), (8, 3), (9, 3), (7, 12), (8, 12), (9, 12)],
    "blush": [(8, 3), (8, 4), (8, 11), (8, 12)],
    "brows": [(2, 4), (2, 5), (3, 6), (3, 9), (2, 10), (2, 11)],
    "sweat": [(2, 12), (3, 12), (3, 13), (4, 12), (4, 13)],
}
OUTLINES = {"round": (7.0, 7.0), "oval": (7.0, 6.0), "wide": (6.0, 7.2)}  # (radius in rows, radius in cols)


@dataclass(frozen=True)
class Design:
    name: str
    outline: str
    eyes: str  # one of EYES, or "wink" (dots left, closed right)
    mouth: str
    extras: tuple[str, ...] = ()


BASE_DESIGNS: tuple[Design, ...] = (
    Design("smile", "round", "dots", "smile"),
    Design("frown", "round", "dots", "frown"),
    Design("surprised", "round", "ring", "open"),
    Design("neutral", "round", "dots", "flat"),
    Design("grin", "round", "dots", "grin"),
    Design("happy", "round", "closed", "grin"),
    Design("in love", "round", "heart", "smile"),
    Design("wink", "round", "wink", "smile"),
    Design("knocked out", "round", "cross", "flat"),
    Design("cool", "round", "dots", "smile", ("glasses",)),
    Design("crying", "round", "dots", "frown", ("tears",)),
    Design("blushing", "round", "closed", "smile", ("blush",)),
    Design("angry", "round", "dots", "frown", ("brows",)),
    Design("sleepy", "oval", "line", "flat"),
    Design("nerd", "oval", "dots", "grin", ("glasses",)),
    Design("joy", "round", "closed", "grin", ("tears",)),
    Design("woozy", "wide", "dots", "wavy"),
    Design("shocked", "oval", "ring", "open"),
    Design("smitten", "wide", "heart", "grin"),
    Design("sweating", "round", "line", "frown", ("sweat",)),
    Design("kiss", "round", "closed", "small"),
    Design("dizzy", "round", "cross", "open"),
    Design("cheeky", "round", "wink", "tongue"),
    Design("unimpressed", "wide", "line", "flat", ("brows",)),
)
NAMES: tuple[str, ...] = tuple(d.name for d in BASE_DESIGNS)


def _face_mask(outline: str) -> np.ndarray:
    ry, rx = OUTLINES[outline]
    r, c = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    return ((r - SIZE / 2) / ry) ** 2 + ((c - SIZE / 2) / rx) ** 2 <= 1.0


def _stamp(ink: np.ndarray, sprite: np.ndarray, row: int, col: int) -> None:
    h, w = sprite.shape
    ink[row:row + h, col:col + w] |= sprite


def render(d: Design) -> np.ndarray:
    """Draw one design as a (2, 16, 16) float32 array: channel 0 the face fill, channel 1 the ink."""
    fill = _face_mask(d.outline)
    # The outline is the rim of the fill: fill pixels with a 4-neighbour outside it.
    padded = np.pad(fill, 1)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    ink = fill & ~interior
    left, right = (EYES["dots"], EYES["closed"]) if d.eyes == "wink" else (EYES[d.eyes], EYES[d.eyes])
    _stamp(ink, left, 4, 4)
    _stamp(ink, right[:, ::-1], 4, 9)
    _stamp(ink, MOUTHS[d.mouth], 9, 4)
    for extra in d.extras:
        for rc in _EXTRAS[extra]:
            ink[rc] = True
    ink &= fill  # nothing is drawn outside the face
    return np.stack([fill, ink]).astype(np.float32)


BASE: np.ndarray = np.stack([render(d) for d in BASE_DESIGNS])  # (24, 2, 16, 16)
BASE.setflags(write=False)


def training_set(shifts: int = 1) -> np.ndarray:
    """The base designs plus copies shifted by up to `shifts` pixels in each direction (light augmentation)."""
    out = []
    for dy in range(-shifts, shifts + 1):
        for dx in range(-shifts, shifts + 1):
            out.append(np.roll(BASE, (dy, dx), axis=(2, 3)))
    return np.concatenate(out)


def to_rgb(x: np.ndarray) -> np.ndarray:
    """Colour (..., 2, H, W) emoji for display: white background, yellow face, dark brown ink -> (..., H, W, 3)
    uint8. Works on soft decodings too (colours blend with the channel values)."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0, 1)
    fill, ink = x[..., 0, :, :, None], x[..., 1, :, :, None]
    white, yellow, brown = np.array([255, 255, 255]), np.array([255, 204, 51]), np.array([74, 44, 20])
    face = white * (1 - fill) + yellow * fill
    return (face * (1 - ink) + brown * ink).round().astype(np.uint8)


def fingerprint() -> str:
    return hashlib.sha256(BASE.tobytes()).hexdigest()[:16]
