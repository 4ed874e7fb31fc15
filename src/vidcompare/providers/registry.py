"""One registry of models and judges, keyed by id.

Built-in providers register through the same ``register(registry)`` hook a new
provider would: add a module with a ``register`` function to ``_BUILTIN_PROVIDERS``.
A provider either adds its models one by one (the offline ones) or a *family*: every id
with its prefix, built on demand, whose availability its live :class:`Catalogue` decides
when a batch starts (Gemini: the API's own list).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vidcompare.errors import InvalidRequest
from vidcompare.providers.base import Judge, Model, TokenRates
from vidcompare.schemas import ModelInfo, ProviderStatus

_BUILTIN_PROVIDERS = ("vidcompare.providers.local", "vidcompare.providers.gemini")


class Catalogue(Protocol):
    """What a provider offers right now."""

    def require(self, model_id: str, *, field: str) -> ModelInfo:
        """The listing of ``model_id`` if it may run; else raise a 400 naming ``field``."""

    def listing(self) -> tuple[ProviderStatus, list[ModelInfo]]:
        """Whether the provider is available, and its models, best first."""

    def default_judge(self, configured: str) -> str | None:
        """The judge to use when none is named: ``configured`` if offered."""


@dataclass(frozen=True)
class Family:
    prefix: str
    provider: str
    model: Callable[[str], Model]
    judge: Callable[[str], Judge]
    catalogue: Callable[[], Catalogue] | None = None
    # Housekeeping for the sweep: returns what it cleaned up (e.g. orphaned uploads).
    sweep: Callable[[], list[str]] | None = None
    # How its models count a video's tokens (for estimates).
    token_rates: Callable[[str], TokenRates] | None = None
    # The judge of a batch with its models when none is named (None: unavailable).
    default_judge: Callable[[], str | None] | None = None

    def has(self, model_id: str) -> bool:
        return model_id.startswith(self.prefix) and len(model_id) > len(self.prefix)


class Registry:
    def __init__(self) -> None:
        self._models: dict[str, Model] = {}
        self._judges: dict[str, Judge] = {}
        self._families: list[Family] = []

    def add_model(self, model: Model) -> None:
        self._models[model.model_id] = model

    def add_judge(self, judge: Judge) -> None:
        self._judges[judge.judge_id] = judge

    def add_family(
        self,
        prefix: str,
        *,
        provider: str,
        model: Callable[[str], Model],
        judge: Callable[[str], Judge],
        catalogue: Callable[[], Catalogue] | None = None,
        sweep: Callable[[], list[str]] | None = None,
        token_rates: Callable[[str], TokenRates] | None = None,
        default_judge: Callable[[], str | None] | None = None,
    ) -> None:
        """Ids starting with ``prefix`` that were not added one by one are built on demand."""
        self._families.append(
            Family(prefix, provider, model, judge, catalogue, sweep, token_rates, default_judge)
        )

    def family_of(self, model_id: str) -> Family | None:
        if model_id in self._models or model_id in self._judges:
            return None
        return next((f for f in self._families if f.has(model_id)), None)

    @property
    def families(self) -> list[Family]:
        return list(self._families)

    def token_rates(self, model_id: str) -> TokenRates:
        """How a model counts a video's tokens; nothing for the offline ones."""
        family = self.family_of(model_id)
        return family.token_rates(model_id) if family and family.token_rates else TokenRates()

    def default_judge(self, model_ids: list[str], *, provider: str | None = None) -> str | None:
        """The judge a family offers for batches with its models (the first such family
        among ``model_ids``, or the family of ``provider``); None if none does."""
        for family in self._families:
            mine = provider == family.provider or any(family.has(m) for m in model_ids)
            if mine and family.default_judge is not None:
                return family.default_judge()
        return None

    def provider_of(self, model_id: str) -> str:
        """The provider of a model or judge id."""
        if family := self.family_of(model_id):
            return family.provider
        if model_id in self._judges:
            return self._judges[model_id].provider
        return self.model(model_id).provider

    @property
    def models(self) -> list[Model]:
        """The models added one by one, in the order their providers added them."""
        return list(self._models.values())

    @property
    def judges(self) -> list[Judge]:
        """The judges added one by one, in the order their providers added them."""
        return list(self._judges.values())

    def _unknown(self, kind: str, model_id: str, field: str, ids: list[str]) -> InvalidRequest:
        others = "".join(f", {f.prefix}* ({f.provider})" for f in self._families)
        return InvalidRequest.for_field(
            field, f"unknown {kind} {model_id!r}; known {kind}s: {', '.join(ids)}{others}"
        )

    def model(self, model_id: str, *, field: str = "models") -> Model:
        """The model ``model_id``, built if it is a family's; whether a family member is
        offered is :meth:`require_offered`'s question (asked once, when a batch starts)."""
        # Family members are built per lookup, not kept: ids come from requests, and
        # keeping every id anyone sent would grow without bound.
        if family := self.family_of(model_id):
            return family.model(model_id)
        try:
            return self._models[model_id]
        except KeyError:
            raise self._unknown("model", model_id, field, list(self._models)) from None

    def judge(self, judge_id: str, *, field: str = "judge_model") -> Judge:
        if family := self.family_of(judge_id):
            return family.judge(judge_id)
        try:
            return self._judges[judge_id]
        except KeyError:
            raise self._unknown("judge", judge_id, field, list(self._judges)) from None

    def require_offered(
        self, model_id: str, *, field: str, judge: bool = False
    ) -> ModelInfo | None:
        """A 400 naming ``field`` unless ``model_id`` can run now: registered one by one,
        or offered by its family's live catalogue (whose listing of it is returned)."""
        if judge:
            self.judge(model_id, field=field)
        else:
            self.model(model_id, field=field)
        family = self.family_of(model_id)
        if family is not None and family.catalogue is not None:
            return family.catalogue().require(model_id, field=field)
        return None


@functools.cache
def default_registry() -> Registry:
    registry = Registry()
    for module_name in _BUILTIN_PROVIDERS:
        importlib.import_module(module_name).register(registry)
    return registry
