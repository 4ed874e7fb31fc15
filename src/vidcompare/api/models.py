"""``GET /api/models``: the models and judges a batch may name, from the provider registry.

The web page, the CLI and the clients read this instead of keeping their own lists.
Only ids registered one by one are listed: a family (any other ``gemini-*`` id, passed
through to the API) has no finite list.
"""

from __future__ import annotations

from vidcompare.config import Settings, settings
from vidcompare.providers.base import Judge, Model
from vidcompare.providers.local import PROVIDER as LOCAL_PROVIDER
from vidcompare.providers.registry import Registry, default_registry
from vidcompare.schemas import JudgeInfo, ModelCatalog, ModelInfo

# Providers that run on the server itself: no API key, no cloud model, no cost.
OFFLINE_PROVIDERS = frozenset({LOCAL_PROVIDER})


def _offline(item: Model | Judge) -> bool:
    return item.provider in OFFLINE_PROVIDERS


def catalog(registry: Registry | None = None, config: Settings | None = None) -> ModelCatalog:
    """The registry's models and judges in registration order (offline ones first, as the
    built-in providers register), with the server's default judges and model limit."""
    registry = registry or default_registry()
    config = config or settings()
    # Registration order, not the ids' sorted order: providers list their models best first.
    models, judges = registry.models, registry.judges
    return ModelCatalog(
        models=[
            ModelInfo(
                model_id=m.model_id,
                display_name=m.display_name,
                provider=m.provider,
                offline=_offline(m),
            )
            for m in models
        ],
        judges=[
            JudgeInfo(
                judge_id=j.judge_id,
                display_name=j.display_name,
                provider=j.provider,
                offline=_offline(j),
            )
            for j in judges
        ],
        default_judge=config.default_judge,
        gemini_judge=config.default_gemini_judge,
        max_models=config.max_models,
    )
