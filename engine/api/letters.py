"""The letters lab's part of the facade: the 5x7 font, noisy letters restored by the DAE, letters in URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.api.models import add_noise, as_batch, encode, nearest, page_calls, reconstruct
from engine.data import letters

__all__ = ["LetterResult", "letter_glyphs", "denoise_letter", "letter_code", "letter_from_code"]


@dataclass
class LetterResult:
    noisy: np.ndarray  # (7, 5) what the network sees
    output: np.ndarray  # (7, 5) its restoration, 0-1
    z: np.ndarray  # (2,) where the noisy input lands on the map
    nearest: str  # the glyph the output is closest to
    distance: int  # pixels between the binarised output and that glyph
    nearest_to_noisy: str  # what template matching on the noisy input says (the classical baseline)


def letter_glyphs() -> dict[str, np.ndarray]:
    """The font: character -> (7, 5) 0/1 array."""
    return {c: letters.glyph(c) for c in letters.CHARS}


def denoise_letter(x: Any, kind: str = "none", amount: float = 0.0, seed: int = 0,
                   name: str = "letters-dae") -> LetterResult:
    """Add noise to a 7x5 letter, restore it with the DAE, and place the noisy input on the 2-D map."""
    clean, _ = as_batch(name, x)
    noisy = add_noise(clean[0], kind, amount, seed)
    out = reconstruct(name, noisy)
    dist, label = nearest(name, out)
    tmpl, _ = letters.nearest_glyph(noisy)
    return LetterResult(noisy, out, encode(name, noisy), label, dist, letters.CHARS[int(tmpl[0])])


def letter_code(x: Any) -> str:
    """A 7x5 letter as a short hex string, for URLs."""
    return letters.to_code(x)


def letter_from_code(code: str) -> np.ndarray:
    """The 7x5 letter a URL's hex string encodes (ValueError for a malformed one)."""
    return letters.from_code(code)


def _letter_page_calls(name: str):
    return lambda: {"denoise_letter": lambda: denoise_letter(letters.GLYPHS[0], "salt_pepper", 0.1, 0, name=name)}


page_calls("letters-ae")(_letter_page_calls("letters-ae"))
page_calls("letters-dae")(_letter_page_calls("letters-dae"))
