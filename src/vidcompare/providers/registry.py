"""One registry of models and judges, keyed by id.

Built-in providers register through the same ``register(registry)`` hook a new
provider would: add a module with a ``register`` function to ``_BUILTIN_PROVIDERS``.
"""

from __future__ import annotations

import functools
import importlib

from vidcompare.errors import InvalidRequest
from vidcompare.providers.base import Judge, Model

_BUILTIN_PROVIDERS = ("vidcompare.providers.local",)


class Registry:
    def __init__(self) -> None:
        self._models: dict[str, Model] = {}
        self._judges: dict[str, Judge] = {}

    def add_model(self, model: Model) -> None:
        self._models[model.model_id] = model

    def add_judge(self, judge: Judge) -> None:
        self._judges[judge.judge_id] = judge

    @property
    def model_ids(self) -> list[str]:
        return sorted(self._models)

    @property
    def judge_ids(self) -> list[str]:
        return sorted(self._judges)

    def model(self, model_id: str, *, field: str = "models") -> Model:
        try:
            return self._models[model_id]
        except KeyError:
            raise InvalidRequest.for_field(
                field, f"unknown model {model_id!r}; known models: {', '.join(self.model_ids)}"
            ) from None

    def judge(self, judge_id: str, *, field: str = "judge_model") -> Judge:
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
