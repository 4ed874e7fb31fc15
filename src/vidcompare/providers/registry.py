"""One registry of models and judges, keyed by id.

Built-in providers register through the same ``register(registry)`` hook a new
provider would: add a module with a ``register`` function to ``_BUILTIN_PROVIDERS``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from vidcompare.errors import InvalidRequest
from vidcompare.providers.base import Judge, Model

_BUILTIN_PROVIDERS = ("vidcompare.providers.local", "vidcompare.providers.gemini")


class Registry:
    def __init__(self) -> None:
        self._models: dict[str, Model] = {}
        self._judges: dict[str, Judge] = {}
        self._families: list[tuple[str, Callable[[str], Model], Callable[[str], Judge]]] = []

    def add_model(self, model: Model) -> None:
        self._models[model.model_id] = model

    def add_judge(self, judge: Judge) -> None:
        self._judges[judge.judge_id] = judge

    def add_family(
        self, prefix: str, *, model: Callable[[str], Model], judge: Callable[[str], Judge]
    ) -> None:
        """Ids starting with ``prefix`` that were not added one by one are built on demand."""
        self._families.append((prefix, model, judge))

    def _from_family(self, model_id: str, kind: int) -> Model | Judge | None:
        for prefix, *factories in self._families:
            if model_id.startswith(prefix) and len(model_id) > len(prefix):
                return factories[kind](model_id)
        return None

    def provider_of(self, model_id: str) -> str:
        return self.model(model_id).provider

    @property
    def models(self) -> list[Model]:
        """The models added one by one, in the order their providers added them."""
        return list(self._models.values())

    @property
    def judges(self) -> list[Judge]:
        """The judges added one by one, in the order their providers added them."""
        return list(self._judges.values())

    @property
    def model_ids(self) -> list[str]:
        return sorted(self._models)

    @property
    def judge_ids(self) -> list[str]:
        return sorted(self._judges)

    def model(self, model_id: str, *, field: str = "models") -> Model:
        # Family members are built per lookup, not kept: ids come from requests, and
        # keeping every id anyone sent would grow without bound.
        if model_id not in self._models and (found := self._from_family(model_id, 0)):
            return found
        try:
            return self._models[model_id]
        except KeyError:
            raise InvalidRequest.for_field(
                field, f"unknown model {model_id!r}; known models: {', '.join(self.model_ids)}"
            ) from None

    def judge(self, judge_id: str, *, field: str = "judge_model") -> Judge:
        if judge_id not in self._judges and (found := self._from_family(judge_id, 1)):
            return found
        try:
            return self._judges[judge_id]
        except KeyError:
            raise InvalidRequest.for_field(
                field, f"unknown judge {judge_id!r}; known judges: {', '.join(self.judge_ids)}"
            ) from None


@functools.cache
def default_registry() -> Registry:
    registry = Registry()
    for module_name in _BUILTIN_PROVIDERS:
        importlib.import_module(module_name).register(registry)
    return registry
