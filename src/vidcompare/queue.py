"""Publishing combination messages to Pub/Sub, and reading them back from a CloudEvent."""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import ValidationError

from vidcompare.config import settings, topic_names
from vidcompare.errors import InvalidRequest
from vidcompare.gcp import publisher
from vidcompare.schemas import ComboMessage


def topic_path(index: int) -> str:
    config = settings()
    name = topic_names(config.topic, config.topic_shards)[index % config.topic_shards]
    return publisher().topic_path(config.project, name)


def publish_combinations(job_id: str, indexes: list[int], *, timeout: float = 30.0) -> None:
    """Publish one message per index and wait until Pub/Sub has them all."""
    futures = [
        publisher().publish(
            topic_path(i),
            ComboMessage(job_id=job_id, index=i).model_dump_json().encode(),
            job_id=job_id,
            index=str(i),
        )
        for i in indexes
    ]
    for future in futures:
        future.result(timeout=timeout)


def message_from_event(data: dict[str, Any]) -> ComboMessage:
    """The ComboMessage inside a ``messagePublished`` CloudEvent's data."""
    try:
        raw = base64.b64decode(data["message"]["data"])
        return ComboMessage.model_validate(json.loads(raw))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidRequest(f"not a combination message: {exc}") from exc
