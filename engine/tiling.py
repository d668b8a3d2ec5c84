"""Run the photo denoiser on any picture: overlapping tiles (bounded memory, no seams), colour, the sigma estimate.

A tile is denoised together with a margin at least as wide as the network's receptive field, and only its core is
kept; each output pixel therefore sees exactly what it would see in a whole-image pass (the margin is cut from the
picture itself, not padded), so stitching leaves no seam at all - the tests check tiles == one pass. Memory then
depends on the tile size, not on the photo: a 24-megapixel photo needs only the picture and one tile's activations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from engine.data.images import NOISE_GAIN, from_decorrelated, to_decorrelated

TILE = 512  # core of a tile, full-resolution pixels: a 512x512 picture is one pass; a tile's activations ~60 MB


def estimate_sigma(img: np.ndarray) -> float:
    """Noise std (0-1 scale) of a gray (H, W) or colour (H, W, 3) picture: scikit-image's wavelet
    median-absolute-deviation estimate (Donoho), averaged over channels. 0 for pictures too small to tell."""
    from skimage.restoration import estimate_sigma as _est

    a = np.asarray(img, np.float32)
    if min(a.shape[:2]) < 8:
        return 0.0
    s = _est(a, channel_axis=-1 if a.ndim == 3 else None, average_sigmas=True)
    return float(np.nan_to_num(s))


def level_gain(model) -> float:
    g = float(getattr(model, "level_gain", float("nan")))
    return 1.0 if g != g else g


def denoise_plane(model, plane, sigma: float, tile: int = TILE, ensemble: bool = True,
                  out: np.ndarray | None = None, tick: Callable[[], None] | None = None) -> np.ndarray:
    """Denoise one gray plane (H, W) on the 0-1 scale with noise-level map `sigma` (0-1 scale), tile by tile.
    `ensemble` also denoises the transposed picture and averages the two (the "+" self-ensemble of DnCNN/FFDNet:
    the two passes make partly independent errors; +0.08 dB on camera for twice the time). `out`, if given, is an
    (H, W) float32 array (a view is fine) the result is written into, so a colour picture needs no extra planes.
    `plane` may also be a `_Channel` (a decorrelated channel computed tile by tile, never as a whole plane).
    `tick()` is called after every tile (progress; an exception raised there stops the work)."""
    out = _plane(model, plane, sigma, tile, out, tick=tick)
    if ensemble:
        if _multiple_of(plane.shape, model.multiple):
            # The transposed pass adds its tiles straight into out.T: no transposed plane, no second result plane.
            _plane(model, plane.T, sigma, tile, out.T, accumulate=True, tick=tick)
        else:
            t = _plane(model, np.asarray(plane).T, sigma, tile, tick=tick)
            np.add(out, t.T, out=out)
        out *= np.float32(0.5)  # 0.5 * (out + t.T), computed in place: the same float32 operations
    return out


def _multiple_of(shape: tuple[int, ...], m: int) -> bool:
    return shape[0] % m == 0 and shape[1] % m == 0


class _Channel:
    """Channel `c` of the decorrelated version of an RGB picture (see engine.data.images), computed for the slice
    asked for: tiles read it like a plane, and the whole channel never exists in memory (96 MB at 24 MP)."""

    def __init__(self, rgb: np.ndarray, c: int, transposed: bool = False):
        self.rgb, self.c, self.transposed = rgb, c, transposed
        h, w = rgb.shape[:2]
        self.shape = (w, h) if transposed else (h, w)

    @property
    def T(self) -> "_Channel":  # noqa: N802  numpy's name
        return _Channel(self.rgb, self.c, not self.transposed)

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        ys, xs = key
        if self.transposed:
            return to_decorrelated(self.rgb[xs, ys])[..., self.c].T
        return to_decorrelated(self.rgb[ys, xs])[..., self.c]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.empty(self.shape, np.float32)
        for y in range(0, self.shape[0], BAND):
            out[y:y + BAND] = self[y:y + BAND, 0:self.shape[1]]
        return out


def _tiles(shape: tuple[int, ...], model, tile: int) -> int:
    """How many tiles `_plane` runs over a plane of this shape."""
    m = model.multiple
    tile = max(m, tile - tile % m)
    return -(-(-(-shape[0] // m) * m) // tile) * -(-(-(-shape[1] // m) * m) // tile)


@torch.inference_mode()
def _plane(model, plane, sigma: float, tile: int, out: np.ndarray | None = None,
           accumulate: bool = False, tick: Callable[[], None] | None = None) -> np.ndarray:
    m = model.multiple
    a = plane if isinstance(plane, _Channel) and _multiple_of(plane.shape, m) else np.asarray(plane, np.float32)
    h, w = a.shape
    # Sizes that are not multiples of m (the unshuffle and the U-Net halvings need whole cells): repeat the last
    # rows/columns, and cut them off again at the end. Only then is the plane copied.
    padded = not _multiple_of((h, w), m)
    if padded:
        a = np.pad(a, ((0, -h % m), (0, -w % m)), mode="edge")
    H, W = a.shape
    margin = -(-model.receptive_field // m) * m  # >= the receptive field, and tiles stay on the same m-grid
    tile = max(m, tile - tile % m)
    res = out if out is not None and not padded else np.empty((H, W), np.float32)
    s = torch.tensor([float(sigma)])
    for y in range(0, H, tile):
        for x in range(0, W, tile):
            y0, x0 = max(0, y - margin), max(0, x - margin)
            y1, x1 = min(H, y + tile + margin), min(W, x + tile + margin)
            t = torch.from_numpy(np.ascontiguousarray(a[y0:y1, x0:x1], np.float32))[None, None]
            d = model.denoise(t, s)[0, 0].numpy()
            core = d[y - y0:y - y0 + tile, x - x0:x - x0 + tile]
            if accumulate:
                res[y:y + tile, x:x + tile] += core
            else:
                res[y:y + tile, x:x + tile] = core
            if tick is not None:
                tick()
    if not padded:
        return res
    if out is None:
        return res[:h, :w]
    out[...] = res[:h, :w]
    return out


BAND = 256  # rows per band for whole-picture colour transforms: float64 temporaries stay ~40 MB at 6000 px wide


def denoise(model, img: np.ndarray, sigma: float | None = None, tile: int = TILE,
            ensemble: bool = True, on_progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, float]:
    """Denoise a gray (H, W) or RGB (H, W, 3) float picture on 0-1. `sigma` is the noise std on the 0-1 scale;
    None estimates it (and the map gets the estimate times the model's fitted `level_gain`). Returns (denoised,
    sigma: the given or estimated noise std). Not clipped: the caller decides (metrics are measured on the
    unclipped output, a saved picture is clipped).

    Colour goes through the gray network channel by channel in a decorrelated space (luminance, red-blue,
    green-magenta): the transform's rows are orthogonal, so RGB noise stays independent there with a known std per
    channel, and each channel is as smooth as a gray picture, which is what the network learnt.

    Memory: besides the input, one output picture and one tile's activations (a 24 MP photo peaks near 1.1 GB RSS
    with torch loaded): the decorrelated channels are computed tile by tile, the transposed pass adds into the
    output, the colour transforms run in bands of rows. Each output value is computed by exactly the same float
    operations as a whole-picture pass (the tests and `bench image-denoiser` check the output is unchanged).

    `on_progress(fraction)` is called after every tile with the share of tiles done (0-1]: a page's progress bar,
    and its way to cancel (an exception raised there stops the work, nothing half-written is returned)."""
    a = np.asarray(img, np.float32)
    tick = None
    if on_progress is not None:
        total = (1 if a.ndim == 2 else 3) * (2 if ensemble else 1) * _tiles(a.shape, model, tile)
        done = [0]

        def tick() -> None:
            done[0] += 1
            on_progress(min(1.0, done[0] / total))

    est = estimate_sigma(a) if sigma is None else float(sigma)
    level = est * level_gain(model) if sigma is None else est
    if a.ndim == 2:
        return denoise_plane(model, a, level, tile, ensemble, tick=tick), est
    h = a.shape[0]
    out = np.empty(a.shape, np.float32)
    for c in range(3):
        denoise_plane(model, _Channel(a, c), level * NOISE_GAIN[c], tile, ensemble, out=out[..., c], tick=tick)
    for y in range(0, h, BAND):
        out[y:y + BAND] = from_decorrelated(out[y:y + BAND])
    return out, est
