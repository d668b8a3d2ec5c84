"""A 5-second locust run against the test server: the load test's machinery works and nothing fails under a little
concurrency (answers equal to the single-user ones). The real measurement is `python -m engine bench serve`."""

from engine.loadtest import build_mix, reference_answers, run_locust


def test_five_second_load(server_url, tmp_path):
    mix = build_mix(tmp_path, quick=True)
    reference_answers(server_url, mix)
    stats, failures = run_locust(server_url, mix, tmp_path, users=6, seconds=5, spawn_rate=6, wait=(0.05, 0.3))
    assert failures == []
    assert stats["Aggregated"]["requests"] >= 10 and stats["Aggregated"]["failures"] == 0
    assert {"decode_point", "latent_grid"} <= set(stats)
