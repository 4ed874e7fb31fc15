"""``GET /api/models``: the models and judges a batch may name, right now.

The offline models are the registry's own; a provider with a live catalogue (Gemini)
lists what its API offers to the configured key or project, best first, with display
names, token limits, prices and deprecations, and says where the list came from. The
web page, the CLI and the clients read this instead of keeping their own lists.
"""

from __future__ import annotations

from vidcompare.config import Settings, settings
from vidcompare.prices import PRICES_AS_OF
from vidcompare.providers.registry import Registry, default_registry
from vidcompare.schemas import JudgeInfo, ModelCatalog, ModelInfo


def _as_judge(model: ModelInfo) -> JudgeInfo:
    """A model as a judge: every JudgeInfo field but the id comes from the model."""
    shared = set(JudgeInfo.model_fields) - {"judge_id"}
    return JudgeInfo(judge_id=model.model_id, **model.model_dump(include=shared))


def catalog(registry: Registry | None = None, config: Settings | None = None) -> ModelCatalog:
    """Offline models first (in registration order), then each live catalogue's."""
    registry = registry or default_registry()
    config = config or settings()
    models = [
        ModelInfo(
            model_id=m.model_id,
            display_name=m.display_name,
            provider=m.provider,
            offline=m.offline,
        )
        for m in registry.models
    ]
    judges = [
        JudgeInfo(
            judge_id=j.judge_id,
            display_name=j.display_name,
            provider=j.provider,
            offline=j.offline,
        )
        for j in registry.judges
    ]
    providers = []
    for family in registry.families:
        if family.catalogue is None:
            continue
        status, offered = family.catalogue().listing()
        providers.append(status)
        models += offered
        judges += [_as_judge(m) for m in offered]  # every video model can judge
    return ModelCatalog(
        models=models,
        judges=judges,
        default_judge=config.default_judge,
        gemini_judge=registry.default_judge([], provider="gemini"),
        max_models=config.max_models,
        providers=providers,
        prices_as_of=PRICES_AS_OF,
    )
