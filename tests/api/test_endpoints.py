"""Every endpoint of the Gradio app, called over HTTP with gradio_client with a valid input: types and shapes."""

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from engine import api

PNG = b"\x89PNG\r\n\x1a\n"


def png(path: str) -> Image.Image:
    """The picture at a returned path, after checking it really is a PNG (not WEBP, Gradio's default)."""
    with open(path, "rb") as f:
        assert f.read(8) == PNG, f"{path} is not a PNG"
    return Image.open(path)


def test_the_api_lists_every_endpoint(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named == {"/noisy_sample", "/denoise_photo", "/simulate_radio", "/denoise_trace_file", "/denoise_trace",
                     "/restore_letter", "/decode_point", "/latent_grid", "/interpolate", "/sample",
                     "/latent_models", "/training_labels", "/galaxy_walk", "/gan_samples"}


def test_photo_round_trip(client, tmp_path):
    noisy = client.predict("camera", 25, 3, api_name="/noisy_sample")
    assert png(noisy).size == (512, 512)
    crop = tmp_path / "crop.png"
    Image.open(noisy).crop((100, 100, 164, 148)).save(crop)  # 64 x 48, gray
    out, sigma, seconds = client.predict(handle_file(str(crop)), None, api_name="/denoise_photo")
    im = png(out)
    assert im.size == (64, 48) and im.mode == "L"
    assert 10 < sigma < 40 and seconds >= 0  # the estimate of the added sigma 25
    _, sigma_given, _ = client.predict(handle_file(str(crop)), 12.5, api_name="/denoise_photo")
    assert sigma_given == 12.5


def test_photo_camera_noise_option(client, tmp_path):
    """A phone-like JPEG (camera noise, which an even-grain estimate under-reads): the "camera" kind estimates a
    higher level than "gaussian" for the same file; the two-argument call still works (noise defaults to
    gaussian); an unknown kind carries the facade's message."""
    import numpy as np

    from engine.data.camera_noise import camera_noise
    from engine.data.images import eval_image

    jpeg = tmp_path / "phone.jpg"
    rgb = camera_noise(eval_image("astronaut")[:192, 160:352], "iso3200", seed=5, jpeg_quality=90)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)).save(jpeg, quality=95)
    _, even, _ = client.predict(handle_file(str(jpeg)), 0, "gaussian", api_name="/denoise_photo")
    out, camera, _ = client.predict(handle_file(str(jpeg)), 0, "camera", api_name="/denoise_photo")
    _, default, _ = client.predict(handle_file(str(jpeg)), 0, api_name="/denoise_photo")
    assert png(out).size == (192, 192) and default == even
    assert camera > 1.5 * even > 0


def test_simulated_trace(client):
    plot, noisy, cleaned, peak, true_peak = client.predict("realistic", 3.0, 1, api_name="/simulate_radio")
    assert plot["type"] == "plotly" and '"noisy input"' in plot["plot"]
    assert len(noisy) == len(cleaned) == 500 and all(isinstance(v, float) for v in cleaned)
    assert 0 <= peak < 500 and 0 <= true_peak < 500


def test_trace_as_numbers_and_as_a_file(client, tmp_path):
    trace = api.simulate_trace("realistic", 4.0, 7).noisy[0]
    out = client.predict(trace.tolist(), "realistic", api_name="/denoise_trace")
    assert set(out) == {"cleaned", "peak"} and len(out["cleaned"]) == 500 and 0 <= out["peak"] < 500
    path = tmp_path / "trace.csv"
    np.savetxt(path, trace)
    plot, cleaned, peak, note = client.predict(handle_file(str(path)), "realistic", api_name="/denoise_trace_file")
    assert plot["type"] == "plotly" and len(cleaned) == 500 and peak == out["peak"] and "500 samples" in note


def test_letter(client):
    noisy, restored, verdict = client.predict("k", "bit_flips", 2, 0, "letters-dae", api_name="/restore_letter")
    assert png(noisy).size == png(restored).size and png(restored).width >= 150
    assert verdict.startswith("k ")


def test_latent_models(client):
    models = client.predict(api_name="/latent_models")
    assert models == api.latent_models(2) and {"digits-vae2", "emoji-vae", "letters-dae"} <= set(models)


@pytest.mark.parametrize("model", ["digits-vae2", "digits-ae-k", "emoji-vae", "letters-ae", "letters-dae"])
def test_decode_point_of_every_2d_model(client, model):
    image, nearest = client.predict(model, 0.3, -0.4, api_name="/decode_point")
    assert max(png(image).size) >= 200 and "(distance " in nearest


def test_grid_walk_and_samples(client):
    grid = png(client.predict("emoji-vae", 6, 2.5, api_name="/latent_grid"))
    assert grid.mode == "RGB" and abs(grid.width - grid.height) < 3 and grid.width >= 400
    labels = client.predict("emoji-vae", api_name="/training_labels")
    assert "smile" in labels and len(labels) == len(set(labels))
    walk = png(client.predict("emoji-vae", "smile", labels[-1], 7, "slerp", api_name="/interpolate"))
    assert walk.width > 5 * walk.height
    samples = png(client.predict("digits-vae2", 5, 1, api_name="/sample"))
    assert samples.width > 4 * samples.height


def test_galaxy_walk_from_a_render_to_a_real_galaxy(client):
    strip, verdict = client.predict("r2", "h5", 6, "slerp", "galaxy-vae", api_name="/galaxy_walk")
    im = png(strip)
    assert im.mode == "RGB" and im.width > 5 * im.height
    frames = verdict.split(" → ")
    assert len(frames) == 6 and all(f.rsplit(" ", 1)[0] in api.GALAXY_CLASSES for f in frames)


@pytest.mark.parametrize("model, cls", [("gan-wgan-div", "any"), ("gan-acgan", "elliptical")])
def test_gan_samples(client, model, cls):
    grid = png(client.predict(model, 3, 8, cls, api_name="/gan_samples"))
    assert grid.mode == "RGB" and grid.width > 1.8 * grid.height  # 4 wide, 2 rows
