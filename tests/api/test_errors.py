"""Bad input comes back as an error that carries the facade's own ValueError message, not a traceback."""

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from engine import api


def facade_message(fn, *args) -> str:
    with pytest.raises(ValueError) as e:
        fn(*args)
    return str(e.value)


def server_message(client, *args, api_name: str) -> str:
    with pytest.raises(Exception) as e:
        client.predict(*args, api_name=api_name)
    assert "Traceback" not in str(e.value)
    return str(e.value)


def test_not_an_image(client, tmp_path):
    fake = tmp_path / "photo.png"
    fake.write_text("this is not a picture")
    expected = facade_message(api.load_image, fake.read_bytes())
    assert expected in server_message(client, handle_file(str(fake)), None, api_name="/denoise_photo")


def test_one_pixel_image(client, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.new("L", (1, 1), 128).save(tiny)
    expected = facade_message(api.denoise_picture, tiny.read_bytes())
    assert expected in server_message(client, handle_file(str(tiny)), None, api_name="/denoise_photo")


def test_trace_of_the_wrong_length(client):
    expected = facade_message(api.denoise_trace, np.ones(499))
    assert expected in server_message(client, [1.0] * 499, "realistic", api_name="/denoise_trace")


@pytest.mark.parametrize("api_name, args", [("/decode_point", (0.0, 0.0)), ("/latent_grid", (10, 2.0)),
                                            ("/sample", (4, 0))])
def test_unknown_model(client, api_name, args):
    expected = facade_message(api.decode, "no-such-model", [0.0, 0.0])
    assert expected in server_message(client, "no-such-model", *args, api_name=api_name)


def test_a_model_that_cannot_do_it(client):
    expected = facade_message(api.sample, "letters-ae", 4, 0)
    assert expected in server_message(client, "letters-ae", 4, 0, api_name="/sample")


def test_bad_trace_file(client, tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text("time,volts\n1,2\n")
    expected = facade_message(api.load_trace_file, path.read_bytes(), "trace.csv")
    assert expected in server_message(client, handle_file(str(path)), "realistic", api_name="/denoise_trace_file")


def test_unknown_galaxy(client):
    expected = facade_message(api.galaxy_image, "x9")
    assert expected in server_message(client, "x9", "r1", 5, "lerp", "galaxy-vae", api_name="/galaxy_walk")


def test_server_still_answers(client):
    """After the errors above the server keeps serving."""
    image, _ = client.predict("letters-ae", 0.0, 0.0, api_name="/decode_point")
    assert Image.open(image).size[0] > 0


def test_a_photo_worker_that_dies_is_replaced(tmp_path):
    """The out-of-memory killer (here: SIGKILL) takes a photo worker mid-photo: that photo gets a clear message, the
    next one a fresh worker and a result."""
    from engine import serve

    photo = tmp_path / "p.png"
    Image.fromarray((np.random.default_rng(0).random((600, 600)) * 255).astype(np.uint8)).save(photo)
    workers = serve.PhotoWorkers()
    try:
        _kill_and_recover(workers, photo)
    finally:
        workers.close()


def _kill_and_recover(workers, photo) -> None:
    import io
    import os
    import signal
    import threading

    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}  # e.g. the API tests' server: not ours
    workers.run("large", str(photo), 20.0)  # started and warm
    kids = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert kids
    # Kill it while it works on the next photo (the kill lands at once: the worker is busy or idle either way).
    threading.Timer(0.2, lambda: [os.kill(k.pid, signal.SIGKILL) for k in kids]).start()
    with pytest.raises(ValueError, match="photo worker stopped"):
        for _ in range(50):  # until the kill lands
            workers.run("large", str(photo), 20.0)
    png, sigma, _ = workers.run("large", str(photo), 20.0)
    assert sigma == 20.0 and Image.open(io.BytesIO(png)).size == (600, 600)
