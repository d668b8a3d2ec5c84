"""A 5x7 pixel alphabet (a-z), written as data, plus the helpers the letters lab needs.

Each glyph is 7 rows of 5 characters, '#' for ink. Lower-case letters sit on a baseline at the bottom row; the
descenders (g, j, p, q, y) are lifted one row so that everything fits in 7 rows, the way small LCD fonts do it.
"""

from __future__ import annotations

import hashlib

import numpy as np

HEIGHT, WIDTH = 7, 5

_FONT = {
    "a": [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
    "b": ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."],
    "c": [".....", ".....", ".###.", "#....", "#....", "#...#", ".###."],
    "d": ["....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"],
    "e": [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
    "f": ["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."],
    "g": [".....", ".####", "#...#", "#...#", ".####", "....#", ".###."],
    "h": ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
    "i": ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
    "j": ["...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."],
    "k": ["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."],
    "l": [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
    "m": [".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"],
    "n": [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
    "o": [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
    "p": [".....", "####.", "#...#", "#...#", "####.", "#....", "#...."],
    "q": [".....", ".####", "#...#", "#...#", ".####", "....#", "....#"],
    "r": [".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."],
    "s": [".....", ".....", ".####", "#....", ".###.", "....#", "####."],
    "t": [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."],
    "u": [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"],
    "v": [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
    "w": [".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."],
    "x": [".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"],
    "y": [".....", "#...#", "#...#", "#...#", ".####", "....#", ".###."],
    "z": [".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"],
}

CHARS: tuple[str, ...] = tuple(_FONT)


def _parse(rows: list[str]) -> np.ndarray:
    assert len(rows) == HEIGHT and all(len(r) == WIDTH for r in rows), rows
    return np.array([[c == "#" for c in r] for r in rows], dtype=np.float32)


GLYPHS: np.ndarray = np.stack([_parse(_FONT[c]) for c in CHARS])  # (26, 7, 5) of 0/1
GLYPHS.setflags(write=False)


def glyph(char: str) -> np.ndarray:
    """The 7x5 glyph of `char` as a float array of 0/1 (a copy you may edit)."""
    if char not in _FONT:
        raise ValueError(f"No glyph for {char!r}; the font has {''.join(CHARS)}.")
    return GLYPHS[CHARS.index(char)].copy()


def nearest_glyph(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the closest glyph (least squared distance) and that distance, for a batch (N, 7, 5) of images.

    For 0/1 images the squared distance is the number of differing pixels; for Gaussian noise it is the
    maximum-likelihood template match, the best any decoder can do without a prior.
    """
    x = np.asarray(x, dtype=np.float32).reshape(-1, HEIGHT * WIDTH)
    d = ((x[:, None, :] - GLYPHS.reshape(1, -1, HEIGHT * WIDTH)) ** 2).sum(-1)
    idx = d.argmin(1)
    return idx, d[np.arange(len(x)), idx]


def min_pairwise_distance() -> tuple[int, str, str]:
    """Smallest Hamming distance between two glyphs of the font, and which pair: it bounds how well any
    denoiser can do."""
    flat = GLYPHS.reshape(len(CHARS), -1)
    d = np.abs(flat[:, None] - flat[None]).sum(-1) + np.eye(len(CHARS)) * 1e9
    i, j = np.unravel_index(d.argmin(), d.shape)
    return int(d[i, j]), CHARS[i], CHARS[j]


def fingerprint() -> str:
    """SHA-256 of the font's bytes, recorded in model cards so a changed font is noticed."""
    return hashlib.sha256(GLYPHS.tobytes()).hexdigest()[:16]


def to_code(x: np.ndarray) -> str:
    """A 7x5 image as a 9-digit hex string (35 bits, row-major): short enough for a URL."""
    bits = (np.asarray(x).reshape(-1) > 0.5).astype(int)
    return f"{int(''.join(map(str, bits)), 2):09x}"


def from_code(code: str) -> np.ndarray:
    """Inverse of `to_code`; a malformed string raises ValueError."""
    value = int(code, 16)  # ValueError on non-hex
    if not 0 <= value < 2 ** (HEIGHT * WIDTH):
        raise ValueError(f"{code!r} is not a 5x7 pixel code")
    bits = [int(b) for b in f"{value:035b}"]
    return np.array(bits, dtype=np.float32).reshape(HEIGHT, WIDTH)
