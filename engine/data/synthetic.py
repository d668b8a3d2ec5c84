"""Procedural training pictures for the photo denoiser, with no download: "dead leaves" and flat graphics.

Dead leaves (Matheron; Lee, Mumford and Huang 2001): opaque discs dropped one over another until the picture is
covered. With radii drawn from a power law p(r) ∝ r^-3 between `r_min` and `r_max` the picture is scale invariant,
as natural images are (power spectrum ≈ 1/f²), and it has occlusion edges at every scale; Achddou, Gousseau and Ladjal
(2021) showed denoisers trained on such pictures come close to ones trained on photos. Each disc gets a colour and,
with probability `textured`, a texture (a linear gradient or a sinusoidal grating), since flat discs alone teach a
denoiser to flatten texture.

Flat graphics: what screenshots, diagrams and scanned forms look like, where photo-trained denoisers smear edges or
leave blotches - flat colour fields, axis-aligned and rotated rectangles, circles, lines of several widths, text, and
a linear gradient background.

Both are numpy + Pillow, seeded (the same seed gives the same picture) and return float32 RGB (H, W, 3) on [0, 1].
"""

from __future__ import annotations

import numpy as np


def _disc_radius(rng: np.random.Generator, r_min: float, r_max: float) -> float:
    """A radius from p(r) ∝ r^-3 on [r_min, r_max] (inverse transform of its CDF)."""
    u = rng.random()
    return float((r_min ** -2 - u * (r_min ** -2 - r_max ** -2)) ** -0.5)


def dead_leaves(size: int = 128, seed: int = 0, r_min: float = 1.5, r_max: float | None = None,
                textured: float = 0.5, max_discs: int = 20_000) -> np.ndarray:
    """A (size, size, 3) dead-leaves picture. Discs are laid front to back: each one paints only pixels no earlier
    (nearer) disc has covered, and the loop stops when every pixel is covered (or after `max_discs`; the rest is
    the last disc's colour)."""
    rng = np.random.default_rng(seed)
    r_max = r_max if r_max is not None else size / 2
    img = np.zeros((size, size, 3), np.float32)
    free = np.ones((size, size), bool)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    colour = np.zeros(3, np.float32)
    for _ in range(max_discs):
        r = _disc_radius(rng, r_min, r_max)
        cy, cx = rng.uniform(-r, size + r, 2)
        y0, y1 = max(0, int(cy - r)), min(size, int(cy + r) + 1)
        x0, x1 = max(0, int(cx - r)), min(size, int(cx + r) + 1)
        colour = rng.random(3).astype(np.float32) ** 1.5  # darker colours a little more often, as in photos
        if y0 >= y1 or x0 >= x1:
            continue
        sy, sx = yy[y0:y1, x0:x1], xx[y0:y1, x0:x1]
        mask = ((sy - cy) ** 2 + (sx - cx) ** 2 <= r * r) & free[y0:y1, x0:x1]
        if not mask.any():
            continue
        fill = np.broadcast_to(colour, (*mask.shape, 3)).copy()
        if rng.random() < textured:
            angle, amp = rng.uniform(0, np.pi), rng.uniform(0.05, 0.3)
            u = (np.cos(angle) * (sx - cx) + np.sin(angle) * (sy - cy)) / max(r, 1.0)
            wave = u if rng.random() < 0.5 else np.sin(u * rng.uniform(2, 12) * np.pi)
            fill = fill + amp * wave[..., None] * (rng.random(3) - 0.5).astype(np.float32) * 2
        img[y0:y1, x0:x1][mask] = fill[mask]
        free[y0:y1, x0:x1] &= ~mask
        if not free.any():
            break
    img[free] = colour
    return np.clip(img, 0, 1)


_WORDS = ("Total", "Name", "Date", "Figure 3", "OK", "Cancel", "x = 12.5", "Q3 2026", "Invoice", "page 2 of 7",
          "temperature", "signal", "ID 40917", "Settings", "→ next")


def flat_graphics(size: int = 128, seed: int = 0, shapes: int = 12) -> np.ndarray:
    """A (size, size, 3) picture of flat shapes with sharp edges: a gradient or flat background, then rectangles,
    circles, lines and short texts in flat colours (Pillow's drawing, no anti-aliasing)."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    c0, c1 = rng.random(3), rng.random(3)
    if rng.random() < 0.5:  # a linear gradient background
        t = np.linspace(0, 1, size)[None, :, None] if rng.random() < 0.5 else np.linspace(0, 1, size)[:, None, None]
        bg = (1 - t) * c0 + t * c1
        bg = np.broadcast_to(bg, (size, size, 3))
    else:
        bg = np.broadcast_to(c0, (size, size, 3))
    im = Image.fromarray((bg * 255).round().astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=int(rng.integers(10, 24)))

    def colour() -> tuple[int, int, int]:
        return tuple(int(v) for v in rng.integers(0, 256, 3))

    for _ in range(shapes):
        kind = rng.choice(["rect", "ellipse", "line", "text", "polygon"], p=[0.3, 0.2, 0.2, 0.2, 0.1])
        x0, y0 = (int(v) for v in rng.integers(-size // 4, size, 2))
        w, h = (int(v) for v in rng.integers(4, size // 2, 2))
        box = [x0, y0, x0 + w, y0 + h]
        if kind == "rect":
            draw.rectangle(box, fill=colour() if rng.random() < 0.8 else None, outline=colour(),
                           width=int(rng.integers(1, 4)))
        elif kind == "ellipse":
            draw.ellipse(box, fill=colour())
        elif kind == "line":
            draw.line(box, fill=colour(), width=int(rng.integers(1, 6)))
        elif kind == "text":
            draw.text((x0, y0), str(rng.choice(_WORDS)), fill=colour(), font=font)
        else:
            pts = [(int(a), int(b)) for a, b in rng.integers(0, size, (int(rng.integers(3, 6)), 2))]
            draw.polygon(pts, fill=colour())
    return np.asarray(im, np.float32) / 255
