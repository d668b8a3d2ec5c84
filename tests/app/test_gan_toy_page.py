"""The live toy GAN page through AppTest: play trains, pause stops, one step adds one, settings restart training."""

import apptools

PAGE = "app_pages/gan_toy.py"


def steps(at) -> int:
    return int(next(m for m in at.metric if m.label == "Generator steps").value)


def modes(at) -> str:
    return next(m for m in at.metric if m.label == "Modes covered").value


def test_play_step_pause_and_switch():
    at = apptools.open_page(PAGE)
    assert steps(at) == 0 and modes(at).endswith("/ 8")
    assert at.slider(key="toy_speed").value == 5
    at.button(key="toy_step").click().run()
    assert steps(at) == 1
    at.slider(key="toy_speed").set_value(3).run()
    at.button(key="toy_play").click().run()  # play: each run of the live view trains `speed` steps
    assert not at.exception
    assert steps(at) == 4
    at.run()
    assert steps(at) == 7
    at.button(key="toy_play").click().run()  # pause
    paused = steps(at)
    at.run()
    assert steps(at) == paused
    at.radio(key="toy_data").set_value("grid").run()  # new data: a new model from step 0
    assert steps(at) == 0 and modes(at).endswith("/ 25")
    at.selectbox(key="toy_loss").set_value("gan").run()
    assert steps(at) == 0 and not at.exception
    at.button(key="toy_step").click().run()
    assert steps(at) == 1 and len(at.get("image")) >= 1
    at.button(key="toy_reset").click().run()
    assert steps(at) == 0


def test_drawn_data_without_points_explains():
    at = apptools.open_page(PAGE)
    at.radio(key="toy_data").set_value("drawn").run()
    assert not at.exception
    assert at.warning and "at least 2" in at.warning[0].value
