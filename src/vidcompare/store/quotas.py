"""Each model's shared pace: ``quota_pace/{model_id}``, read and changed in one
transaction by every caller of that model (see :mod:`vidcompare.limiter`)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from google.cloud import firestore

from vidcompare.gcp import firestore_client
from vidcompare.quotas import ModelQuota
from vidcompare.store.refs import transact

QUOTA_PACE = "quota_pace"
T = TypeVar("T")


@dataclass
class Pace:
    """A model's shared limiter state (times in seconds since the epoch); the rules that
    change it are :mod:`vidcompare.limiter`'s."""

    rate_rpm: float  # the requests per minute allowed now (≤ the quota's rpm)
    next_request_at: float = 0.0  # GCRA's theoretical arrival time of the next call
    next_token_at: float = 0.0  # the same for input tokens: when the spent ones are paid
    hold_until: float = 0.0  # nothing is sent before this (a 429's retryDelay)
    last_429_at: float = 0.0
    turns: int = field(default=0)  # calls admitted, for the figures
    # The jobs calling the model lately: job id -> [last asked at, turns given lately then].
    jobs: dict[str, list[float]] = field(default_factory=dict)

    @classmethod
    def fresh(cls, quota: ModelQuota) -> Pace:
        return cls(rate_rpm=float(quota.rpm or 0))


def update_pace(model_id: str, quota: ModelQuota, change: Callable[..., T]) -> T:
    """``change(pace, quota, now)`` on the model's pace, in a transaction: its answer.

    ``now`` is the wall clock (every instance shares it, as Cloud Run's do) read inside
    the transaction, so a retried transaction decides on a fresh time."""
    ref = firestore_client().collection(QUOTA_PACE).document(model_id)

    def apply(transaction: firestore.Transaction) -> T:
        snapshot = ref.get(transaction=transaction)
        if snapshot.exists:
            known = {f.name for f in dataclasses.fields(Pace)}
            pace = Pace(**{k: v for k, v in snapshot.to_dict().items() if k in known})
        else:
            pace = Pace.fresh(quota)
        answer = change(pace, quota, time.time())
        transaction.set(ref, dataclasses.asdict(pace))
        return answer

    return transact(apply)
