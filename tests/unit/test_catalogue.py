"""The live Gemini catalogue, in process, against the fake Gemini through the real SDK.

The catalogue's clock is a test's own, so caching and rechecks are exact; what the API
lists is the fake's ``models`` configuration (the real list's shape, late 2026).
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from expectations import VIDEO_MODELS
from google.genai import types

from vidcompare.devstack.stack import free_port
from vidcompare.errors import InvalidRequest, ProviderNotConfigured
from vidcompare.providers.gemini import known
from vidcompare.providers.gemini.catalogue import Catalogue, get_from_api, list_from_api
from vidcompare.testing.fake_gemini import DEFAULT_MODELS, FakeGemini

TODAY = dt.date(2026, 11, 26)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def catalogue_of(fake: FakeGemini, clock: Clock, **kw) -> Catalogue:
    client = fake.client(**kw)
    return Catalogue(
        functools.partial(list_from_api, client),
        getter=functools.partial(get_from_api, client=client),
        clock=clock,
        today=lambda: TODAY,
        ttl_s=600,
        recheck_s=30,
    )


def refusal(catalogue: Catalogue, model_id: str, field: str = "models[0]") -> str:
    with pytest.raises(InvalidRequest) as raised:
        catalogue.require(model_id, field=field)
    assert raised.value.details == [
        {"field": field, "message": raised.value.message[len(field) + 2 :]}
    ]
    return raised.value.message


def test_the_catalogue_is_the_apis_video_models_best_first(fake_gemini, clock) -> None:
    catalogue = catalogue_of(fake_gemini, clock)
    status, models = catalogue.listing()
    assert (status.provider, status.available, status.source) == ("gemini", True, "api")
    assert status.backend == "gemini-api" and status.message is None
    assert [m.model_id for m in models] == VIDEO_MODELS
    by_id = {m.model_id: m for m in models}
    names = {r["name"].removeprefix("models/"): r["displayName"] for r in DEFAULT_MODELS}
    assert all(m.display_name == names[m.model_id] for m in models)
    # Deprecations come from the shipped list: routed, dated, replaced.
    assert (by_id["gemini-3.7-flash"].deprecated, by_id["gemini-3.7-flash"].successor) == (
        True,
        "gemini-3.8-flash",
    )
    lite = by_id["gemini-3.1-flash-lite"]
    assert (lite.deprecated, lite.shutdown_date, lite.successor) == (
        True,
        dt.date(2027, 5, 7),
        "gemini-3.5-flash-lite",
    )
    assert not by_id["gemini-3.8-flash"].deprecated
    assert by_id["gemini-3.8-flash"].input_token_limit == 1_048_576
    assert by_id["gemini-3.8-flash"].price.input == pytest.approx(0.75)
    assert by_id["gemini-flash-latest"].price is None
    # The judge when none is named: the newest current stable Flash model.
    assert catalogue.default_judge("") == "gemini-3.8-flash"
    assert catalogue.default_judge("gemini-3.6-flash") == "gemini-3.6-flash"
    assert catalogue.default_judge("gemini-2.5-flash") == "gemini-3.8-flash"  # gone: choose


def test_a_model_the_api_does_not_offer_is_refused_with_what_to_use(fake_gemini, clock) -> None:
    catalogue = catalogue_of(fake_gemini, clock)
    assert catalogue.require("gemini-3.6-flash", field="models[0]").model_id == "gemini-3.6-flash"
    assert refusal(catalogue, "gemini-3-pro-preview") == (
        "models[0]: gemini-3-pro-preview is not offered by the Gemini API (shut down "
        "2026-03-09); use gemini-3.1-pro-preview instead"
    )
    assert refusal(catalogue, "gemini-2.5-flash", "judge_model") == (
        "judge_model: gemini-2.5-flash is not offered by the Gemini API (shutdown announced "
        "for 2026-12-01); use gemini-3.5-flash-lite instead"
    )
    assert refusal(catalogue, "gemini-3.6-flsh") == (
        "models[0]: gemini-3.6-flsh is not offered by the Gemini API; did you mean "
        "gemini-3.6-flash?"
    )
    assert refusal(catalogue, "gemini-9-ultra") == (
        "models[0]: gemini-9-ultra is not offered by the Gemini API; offered video models: "
        "gemini-4-argon, gemini-3.8-flash, gemini-3.6-flash, gemini-3.5-flash-lite, "
        "gemini-3.1-pro-preview, gemini-flash-latest and 5 more"
    )
    for listed in [
        "gemini-embedding-001",
        "gemini-3.5-flash-preview-tts",
        "gemini-3.1-flash-image",
    ]:
        assert refusal(catalogue, listed).startswith(
            f"models[0]: {listed} is offered by the Gemini API but cannot answer about a video; "
            "video models: gemini-4-argon, gemini-3.8-flash, "
        )
    # A successor that is itself deprecated is skipped when its own successor is offered.
    fake_gemini.configure(
        models=[r for r in DEFAULT_MODELS if r["name"] != "models/gemini-3-flash-preview"]
    )
    later = catalogue_of(fake_gemini, clock)
    assert refusal(later, "gemini-3-flash-preview").endswith("; use gemini-3.6-flash instead")


def test_the_list_is_cached_and_a_model_released_since_is_asked_about(fake_gemini, clock) -> None:
    catalogue = catalogue_of(fake_gemini, clock)
    catalogue.require("gemini-3.8-flash", field="models[0]")
    fake_gemini.configure(models=[*DEFAULT_MODELS, "gemini-3.9-flash"])
    counters = fake_gemini.counters()
    assert (counters["models_list"], counters["models_get"]) == (1, 0)
    # A miss asks the API about that one model (models.get), and the new model runs.
    found = catalogue.require("gemini-3.9-flash", field="models[0]")
    assert (found.model_id, found.display_name) == ("gemini-3.9-flash", "Gemini 3.9 Flash")
    assert fake_gemini.counters()["models_get"] == 1
    assert "gemini-3.9-flash" in [m.model_id for m in catalogue.listing()[1]]

    # An id the API does not know is asked about once per recheck time, not per request.
    def asked_about(model_id: str) -> int:
        return sum(r["path"].endswith(f"/models/{model_id}") for r in fake_gemini.requests())

    for _ in range(3):
        assert "gemini-9-ultra is not offered" in refusal(catalogue, "gemini-9-ultra")
    assert asked_about("gemini-9-ultra") == 1
    clock.now += 31
    refusal(catalogue, "gemini-9-ultra")
    assert asked_about("gemini-9-ultra") == 2
    # Hits never ask; the list is fetched again when it is older than its TTL.
    clock.now += 500
    catalogue.require("gemini-3.8-flash", field="models[0]")
    assert fake_gemini.counters()["models_list"] == 1
    clock.now += 100
    catalogue.require("gemini-3.8-flash", field="models[0]")
    assert fake_gemini.counters()["models_list"] == 2


def test_a_failed_refresh_keeps_the_last_good_list(fake_gemini, clock) -> None:
    nobody = FakeGemini(port=free_port())  # never started: connections are refused
    nobody.base_url = f"http://127.0.0.1:{nobody.port}"
    clients = iter([fake_gemini.client(), nobody.client(retry_options=None)])
    catalogue = Catalogue(
        lambda: list_from_api(next(clients)), clock=clock, ttl_s=600, recheck_s=30
    )
    assert catalogue.listing()[0].source == "api"
    clock.now += 601  # the TTL ends, and the API cannot be asked
    status, models = catalogue.listing()
    assert (status.source, status.available) == ("api", True)
    assert (
        status.message.startswith("the list from ")
        and "(stale: models.list failed: " in status.message
    )
    assert [m.model_id for m in models] == VIDEO_MODELS
    # Models the shipped list does not know still run.
    assert catalogue.require("gemini-flash-latest", field="models[0]").model_id == (
        "gemini-flash-latest"
    )


def test_an_unreachable_api_falls_back_to_the_shipped_list_and_says_so(clock) -> None:
    nobody = FakeGemini(port=free_port())  # never started: connections are refused
    nobody.base_url = f"http://127.0.0.1:{nobody.port}"
    catalogue = Catalogue(
        functools.partial(list_from_api, nobody.client(retry_options=None)),
        clock=clock,
        today=lambda: TODAY,
        ttl_s=600,
        recheck_s=30,
    )
    status, models = catalogue.listing()
    assert (status.available, status.source, status.fallback_as_of) == (
        True,
        "fallback",
        known.AS_OF,
    )
    assert status.message.startswith("the Gemini API could not be asked (")
    assert status.message.endswith(f"using the list shipped with vidcompare, as of {known.AS_OF}")
    current = [m.model_id for m in models if not m.deprecated]
    assert current[:3] == ["gemini-4-argon", "gemini-4-carbon", "gemini-3.8-flash"]
    assert "gemini-3-pro-preview" not in [m.model_id for m in models]  # shut down
    assert "gemini-2.5-pro" in [m.model_id for m in models]  # until 2026-12-01
    assert catalogue.require("gemini-3.8-flash", field="models[0]").model_id == "gemini-3.8-flash"
    assert refusal(catalogue, "gemini-3-pro-preview") == (
        "models[0]: gemini-3-pro-preview is not offered by the list shipped with vidcompare "
        f"(as of {known.AS_OF}; the API could not be asked) (shut down 2026-03-09); "
        "use gemini-3.1-pro-preview instead"
    )


def test_refused_or_missing_credentials_make_gemini_unavailable(fake_gemini, clock) -> None:
    fake_gemini.configure(bad_keys=["revoked"])
    catalogue = catalogue_of(fake_gemini, clock, api_key="revoked")
    status, models = catalogue.listing()
    assert (status.available, status.source, models) == (False, "none", [])
    assert status.message == (
        "models.list failed: Gemini rejected the credentials (400 INVALID_ARGUMENT): "
        "API key not valid. Please pass a valid API key."
    )
    assert refusal(catalogue, "gemini-3.8-flash") == (
        f"models[0]: gemini-3.8-flash needs Gemini, which is unavailable here: {status.message}"
    )
    assert catalogue.default_judge("") is None
    # A refused key is asked about again after the recheck time (it may have been fixed).
    fake_gemini.configure(bad_keys=[])
    clock.now += 31
    assert catalogue.listing()[0].source == "api"

    def not_configured() -> tuple[list[types.Model], str]:
        raise ProviderNotConfigured("Gemini is not configured on this server: set GEMINI_API_KEY")

    bare = Catalogue(not_configured, clock=clock, today=lambda: TODAY, ttl_s=600, recheck_s=30)
    assert refusal(bare, "gemini-3.8-flash") == (
        "models[0]: gemini-3.8-flash needs Gemini, which is unavailable here: Gemini is not "
        "configured on this server: set GEMINI_API_KEY"
    )
    # A model known to be gone says so first: a key would not bring it back.
    assert refusal(bare, "gemini-3-pro-preview") == (
        "models[0]: gemini-3-pro-preview was shut down on 2026-03-09 (use "
        "gemini-3.1-pro-preview); besides, Gemini is unavailable here: Gemini is not "
        "configured on this server: set GEMINI_API_KEY"
    )
