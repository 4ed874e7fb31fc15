"""``"concurrency": "auto"``: lanes up to the cap, paced by the models' shared quota; the
estimate says which model's quota bounds the time."""

from __future__ import annotations

import pytest

from vidcompare.client import APIError

MODELS = ["local-scenes", "local-motion-colour"]


def test_an_auto_batch_runs_on_the_cap_of_lanes_and_says_so(client, videos):
    prompts = [f"How many cuts? ({n})" for n in range(5)]
    accepted = client.start_batch(
        list(videos.values()), prompts, MODELS, concurrency="auto", name="auto lanes"
    )
    assert accepted.auto_concurrency and accepted.concurrency == 8  # the cap
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=120)
    assert job.status.value == "completed" and job.completed_combinations == 10
    assert job.auto_concurrency and job.concurrency == 8
    assert client.job_request(accepted.job_id).concurrency == "auto"
    small = client.start_batch([videos["green"]], ["Describe."], MODELS, concurrency="auto")
    assert small.concurrency == 1  # never more lanes than combinations
    client.wait(small.job_id, poll_seconds=0.2, timeout=60)


@pytest.mark.parametrize("value", ["fast", 0, 9, True, 2.5])
def test_a_bad_concurrency_names_the_field(client, videos, value):
    with pytest.raises(APIError) as refused:
        client.start_batch([videos["green"]], ["p"], MODELS, concurrency=value)
    assert refused.value.status == 400
    assert refused.value.details[0]["field"] == "concurrency"


def test_an_auto_estimate_says_auto_and_the_offline_models_are_not_bound(client, videos):
    offline = client.estimate(
        video_ids=list(videos.values()), prompts=["Question?"], models=MODELS, concurrency="auto"
    )
    assert offline.auto_concurrency and offline.concurrency == 2  # two combinations
    assert offline.bound_by is None  # the offline analyzers have no quota
