"""Figures and images shared by the front ends: pixel-art upscaling, tiled grids, and the 2-D latent map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

CLICK_TRACE = "click-anywhere"  # name of the invisible trace that turns a click anywhere into a selection
# A click selects a point, and plotly then fades every unselected point; the map's markers must not fade.
_NO_DIM = dict(selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))


def gray_ink(x: np.ndarray) -> np.ndarray:
    """0-1 images (..., H, W), 1 = ink, to uint8 with dark ink on white."""
    return (255 * (1 - np.clip(x, 0, 1))).round().astype(np.uint8)


def pixels(img: np.ndarray, scale: int = 16, grid: bool = False) -> Image.Image:
    """A uint8 image (H, W) or (H, W, 3) blown up with nearest-neighbour so pixel art stays crisp; `grid` draws a
    light line around every pixel (and a frame), so a white pixel still reads as a cell."""
    img = np.asarray(img, dtype=np.uint8)
    big = np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)
    if grid and scale >= 4:
        big = big.copy()
        line = np.array(200 if big.ndim == 2 else [200] * big.shape[2], dtype=np.uint8)
        big[::scale] = line
        big[:, ::scale] = line
        big = np.pad(big, [(0, 1), (0, 1)] + [(0, 0)] * (big.ndim - 2), constant_values=200)
    return Image.fromarray(big)


def tile(images: np.ndarray, gap: int = 1, gap_value: int = 225) -> np.ndarray:
    """Tile uint8 images (rows, cols, H, W[, 3]) into one image with `gap`-pixel lines between cells."""
    rows, cols, h, w = images.shape[:4]
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, *images.shape[4:]), gap_value, np.uint8)
    for r in range(rows):
        for c in range(cols):
            out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = images[r, c]
    return out


def tile_grid(grid: np.ndarray, render) -> np.ndarray:
    """Decodings (n, n, *shape) drawn with a lab's `render` (N, *shape) -> uint8 pictures, tiled into one image."""
    n, m = grid.shape[:2]
    pics = render(grid.reshape(n * m, *grid.shape[2:]))
    return tile(pics.reshape(n, m, *pics.shape[1:]))


def strip(images: np.ndarray, gap: int = 1) -> np.ndarray:
    """A row of uint8 images (N, H, W[, 3]) as one image."""
    return tile(images[None], gap)


@dataclass
class PointGroup:
    """Points drawn as one legend entry (e.g. one digit class); `ids` travel with each point as plotly
    customdata, so a box/lasso selection can say which items were picked (see `selected_ids`)."""

    name: str
    xy: np.ndarray  # (N, 2)
    ids: np.ndarray  # (N,) int
    color: str | np.ndarray  # one colour, or one number per point mapped through `palette`
    palette: Sequence[str] = ()  # colour of value 0, 1, ... (numbers validate ~10x faster than colour strings)


def latent_map(points: np.ndarray, labels: list[str], background: np.ndarray | str, span: float, n: int,
               current: np.ndarray | None = None, clicked: np.ndarray | None = None,
               click_n: int = 41, point_colors: list[str] | None = None, opacity: float = 0.55,
               groups: Sequence[PointGroup] = (), dragmode: str | bool = False,
               current_name: str = "your input") -> go.Figure:
    """A 2-D latent plane: decodings tiled underneath (an n x n grid over [-span, span]^2, as from
    `inference.decode_grid`), training items as labelled points, the current input as a star, the last click as a
    ring, and an invisible grid of `click_n`^2 points so a click anywhere reports a position.
    `background` is the tiled picture or an already encoded image URI (`png_uri`, worth caching: encoding costs
    more than the rest of the figure). `groups` adds unlabelled point sets with a legend (many points: labels
    would hide the map); `dragmode="select"`/"lasso" makes a drag select them."""
    half = span / (n - 1)  # tiles are centred on the grid codes, so the picture reaches half a cell further
    lo, hi = -span - half, span + half
    fig = go.Figure()
    source = background if isinstance(background, str) else Image.fromarray(background)
    fig.add_layout_image(source=source, xref="x", yref="y", x=lo, y=hi, sizex=hi - lo,
                         sizey=hi - lo, sizing="stretch", layer="below", opacity=opacity)
    g = np.linspace(lo, hi, click_n)
    gx, gy = np.meshgrid(g, g)
    fig.add_trace(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name=CLICK_TRACE, showlegend=False,
                             marker=dict(size=14, opacity=0), selected=dict(marker=dict(opacity=0)),
                             hovertemplate="decode (%{x:.2f}, %{y:.2f})<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=points[:, 0], y=points[:, 1], mode="markers", text=labels, name="training", showlegend=False,
        marker=dict(size=10, color=point_colors or "#2563eb", line=dict(width=1.5, color="white")),
        hovertemplate="%{text}: (%{x:.2f}, %{y:.2f})<extra></extra>", **_NO_DIM))
    # Labels as annotations: unlike scatter text they take a background, so they stay legible over the tiles.
    # Set in one go: fig.add_annotation revalidates every earlier annotation, which is quadratic (~100 ms here).
    style = dict(showarrow=False, yshift=14, bgcolor="rgba(255,255,255,0.85)", bordercolor="#2563eb", borderwidth=1,
                 borderpad=1, font=dict(size=12, color="#1e3a8a"))
    fig.update_layout(annotations=[dict(x=float(x), y=float(y), text=label, **style)
                                   for (x, y), label in zip(points, labels)])
    for g in groups:
        fig.add_trace(go.Scatter(x=g.xy[:, 0], y=g.xy[:, 1], customdata=g.ids, mode="markers", name=g.name,
                                 showlegend=not g.palette,  # many colours: one legend swatch would mislead
                                 marker=dict(size=6, color=g.color, line=dict(width=0.5, color="white"),
                                             **_discrete(g.palette)),
                                 hovertemplate=f"{g.name} #%{{customdata}}<extra></extra>", **_NO_DIM))
    if current is not None:
        star = dict(symbol="star", size=20, color="#dc2626", line=dict(width=1, color="white"))
        fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers", name=current_name, marker=star,
                                 hovertemplate=f"{current_name} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>", **_NO_DIM))
    if clicked is not None:
        fig.add_trace(go.Scatter(x=[clicked[0]], y=[clicked[1]], mode="markers", name="clicked point",
                                 marker=dict(symbol="circle-open", size=18, color="#16a34a", line=dict(width=3)),
                                 hoverinfo="skip", **_NO_DIM))
    axis = dict(range=[lo, hi], showgrid=False, zeroline=False, fixedrange=True, title=None)
    fig.update_layout(xaxis=axis, yaxis={**axis, "scaleanchor": "x", "scaleratio": 1}, height=560,
                      margin=dict(l=10, r=10, t=10, b=10), dragmode=dragmode, clickmode="event+select",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), plot_bgcolor="white")
    return fig


def clicked_xy(event) -> np.ndarray | None:
    """The (x, y) of the last point in a Streamlit plotly selection event, or None if nothing was clicked."""
    try:
        pts = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    if not pts:
        return None
    return np.array([pts[-1]["x"], pts[-1]["y"]], dtype=np.float32)


def _discrete(palette: Sequence[str]) -> dict:
    """Marker settings that map the numbers 0..k-1 to the k colours of `palette` (a stepped colour scale)."""
    if not palette:
        return {}
    k = len(palette)
    scale = [[edge, c] for i, c in enumerate(palette) for edge in (i / k, (i + 1) / k)]
    return dict(colorscale=scale, cmin=-0.5, cmax=k - 0.5, showscale=False)


def png_uri(img: np.ndarray) -> str:
    """A uint8 picture as a PNG data URI (what plotly embeds for a layout image)."""
    import base64
    import io

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def selected_ids(event) -> list[int]:
    """The ids (customdata) of the points a box or lasso selection picked, in order, without repeats; [] when
    the event is a plain click or nothing (clicks report a position: see `clicked_xy`)."""
    try:
        sel = event["selection"]
        region = bool(sel.get("box") or sel.get("lasso"))
        pts = sel["points"]
    except (KeyError, TypeError, AttributeError):
        return []
    if not region:
        return []
    ids = [p["customdata"] for p in pts if isinstance(p, dict) and p.get("customdata") is not None]
    ids = [int(i[0] if isinstance(i, (list, tuple)) else i) for i in ids]
    return list(dict.fromkeys(ids))


def scatter_groups(groups: Sequence[PointGroup], height: int = 520, title: str | None = None) -> go.Figure:
    """A plain 2-D scatter of point groups (a projection), selectable by box or lasso; ids as customdata."""
    fig = go.Figure()
    for g in groups:
        fig.add_trace(go.Scatter(x=g.xy[:, 0], y=g.xy[:, 1], customdata=g.ids, mode="markers", name=g.name,
                                   marker=dict(size=6, color=g.color),
                                   hovertemplate=f"{g.name} #%{{customdata}}<extra></extra>"))
    axis = dict(showgrid=False, zeroline=False, showticklabels=False, title=None)
    fig.update_layout(xaxis=axis, yaxis={**axis, "scaleanchor": "x", "scaleratio": 1}, height=height,
                      margin=dict(l=10, r=10, t=40 if title else 10, b=10), dragmode="lasso",
                      title=title, plot_bgcolor="white", legend=dict(title="digit"))
    return fig


def gif_bytes(frames: np.ndarray, ms_per_frame: int = 120, scale: int = 3, bounce: bool = True) -> bytes:
    """An animated GIF (looping) of uint8 frames (N, H, W, 3), each blown up `scale`× with nearest-neighbour;
    `bounce` plays the frames forth and then back (without repeating the end frames)."""
    import io

    frames = np.asarray(frames, dtype=np.uint8)
    if frames.ndim != 4 or len(frames) < 1:
        raise ValueError(f"Expected frames (N, H, W, 3), got shape {frames.shape}.")
    seq = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    pics = [pixels(f, scale) for f in seq]
    buf = io.BytesIO()
    pics[0].save(buf, format="GIF", save_all=True, append_images=pics[1:], duration=int(ms_per_frame), loop=0,
                 optimize=False)
    return buf.getvalue()


# --- the live toy GAN's frame -------------------------------------------------------------------------------------
_FAKE_RGB, _REAL_RGB = np.array([142, 68, 173]), np.array([39, 174, 96])  # GAN Lab's colours: purple fake, green real


def toy_gan_frame(critic: np.ndarray, density: np.ndarray, extent: float, samples: np.ndarray, arrows: np.ndarray,
                  centres: np.ndarray, covered: np.ndarray, sigma: float, normalise: bool, size: int = 440
                  ) -> Image.Image:
    """One picture of a toy GAN: the critic as a heat map (green = judged real, purple = judged fake; a
    classifier's probability as is, a Wasserstein critic's value min-max scaled), the real density in dark shading,
    each mode's 3-sigma circle (solid when covered), the generated samples and the generator's gradient arrow on
    each (scaled so the longest is 7 % of the view). Arrays are in data units on [-extent, extent]^2, row = y."""
    from PIL import ImageDraw

    c = np.asarray(critic, np.float64)
    if normalise:
        c = (c - c.min()) / max(1e-12, c.max() - c.min())
    c = np.clip(c, 0, 1)[::-1]  # image rows run top-down, data y bottom-up
    t = c[..., None]
    # purple (0) -> white (0.5) -> green (1)
    rgb = np.where(t < 0.5, _FAKE_RGB + (255 - _FAKE_RGB) * (2 * t), 255 + (_REAL_RGB - 255) * (2 * t - 1))
    rgb = 0.55 * rgb + 0.45 * 255  # pale, so points and arrows stand out
    img = Image.fromarray(rgb.astype(np.uint8)).resize((size, size), Image.BILINEAR)
    d = np.asarray(density, np.float64)[::-1]
    shade = np.sqrt(d / max(d.max(), 1e-12))
    shade_img = np.asarray(Image.fromarray((255 * shade).astype(np.uint8)).resize((size, size), Image.BILINEAR))
    arr = np.asarray(img, np.float64) * (1 - 0.6 * shade_img[..., None] / 255.0)
    img = Image.fromarray(arr.astype(np.uint8))
    draw = ImageDraw.Draw(img)

    def px(p: np.ndarray) -> np.ndarray:
        return np.stack([(p[:, 0] + extent) / (2 * extent) * size, (extent - p[:, 1]) / (2 * extent) * size], 1)

    r = max(3.0, 3 * sigma / (2 * extent) * size)
    for (x, y), cov in zip(px(np.asarray(centres)), covered):
        box = [x - r, y - r, x + r, y + r]
        draw.ellipse(box, outline=(20, 110, 50) if cov else (200, 30, 30), width=2)
    s, a = px(np.asarray(samples)), np.asarray(arrows, np.float64)
    norm = np.linalg.norm(a, axis=1).max() if len(a) else 0.0
    if norm > 0:
        tips = s + a / norm * 0.07 * size * np.array([1, -1])
        for (x0, y0), (x1, y1) in zip(s, tips):
            draw.line([x0, y0, x1, y1], fill=(60, 60, 60), width=1)
    for x, y in s:
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=tuple(int(v) for v in _FAKE_RGB))
    return img


_LINE_COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14))


def line_chart_image(series: dict[str, list[float]], x: list[float], width: int = 360, height: int = 240
                     ) -> Image.Image:
    """Curves of `series` against `x` drawn straight into a picture, with a legend and the y range printed. The
    live toy GAN redraws its loss curves several times a second: a Vega chart re-sent per update halved the
    browser's update rate (7.9 -> 4.6 per second measured), a picture costs a millisecond."""
    from PIL import ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    left, right, top, bottom = 6, width - 6, 6, height - 18
    vals = np.concatenate([np.asarray(v, np.float64) for v in series.values()]) if series else np.zeros(1)
    vals = vals[np.isfinite(vals)]
    lo, hi = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    xs = np.asarray(x, np.float64)
    x0, x1 = (float(xs.min()), float(xs.max())) if len(xs) else (0.0, 1.0)
    x1 = x1 if x1 > x0 else x0 + 1.0
    draw.rectangle([left, top, right, bottom], outline=(200, 200, 200))
    if lo < 0 < hi:  # the zero line: where a Wasserstein estimate or a loss changes sign
        y0 = bottom - (0 - lo) / (hi - lo) * (bottom - top)
        draw.line([left, y0, right, y0], fill=(225, 225, 225))
    for i, (name, ys) in enumerate(series.items()):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        y = np.asarray(ys, np.float64)
        ok = np.isfinite(y[: len(xs)])
        px = left + (xs[: len(y)][ok] - x0) / (x1 - x0) * (right - left)
        py = bottom - (y[: len(xs)][ok] - lo) / (hi - lo) * (bottom - top)
        if len(px) > 1:
            draw.line(list(zip(px.tolist(), py.tolist())), fill=colour, width=2)
        draw.text((left + 6, top + 4 + 12 * i), name, fill=colour)
    draw.text((left, bottom + 4), f"step {x0:g}-{x1:g} · y {lo:.3g} to {hi:.3g}", fill=(90, 90, 90))
    return img
