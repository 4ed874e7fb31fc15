"""Publishing combination messages to Pub/Sub, and reading them back from a CloudEvent."""

from __future__ import annotations

import base64
import json
from typing import Any

from google.api_core import exceptions, retry
from google.pubsub_v1 import PubsubMessage
from google.pubsub_v1.services.publisher.client import PublisherClient as PublishCall
from pydantic import ValidationError

from vidcompare.config import settings, topic_names
from vidcompare.errors import InvalidRequest
from vidcompare.gcp import publisher
from vidcompare.schemas import ComboMessage


def topic_path(index: int) -> str:
    config = settings()
    name = topic_names(config.topic, config.topic_shards)[index % config.topic_shards]
    return publisher().topic_path(config.project, name)


# The errors a Publish call is worth repeating on (as the client library's own batching
# does), within the caller's timeout.
_TRANSIENT = retry.if_exception_type(
    exceptions.Aborted,
    exceptions.Cancelled,
    exceptions.DeadlineExceeded,
    exceptions.InternalServerError,
    exceptions.ResourceExhausted,
    exceptions.ServiceUnavailable,
    exceptions.Unknown,
)
# Pub/Sub takes at most this many messages in one Publish request.
_MAX_BATCH = 1000


def publish_combinations(job_id: str, indexes: list[int], *, timeout: float = 30.0) -> None:
    """Publish one message per index and return once Pub/Sub has them all.

    One Publish request per topic shard, made here: the client library's batching
    would hand each message to its own thread and wait for it (+ 2 to 5 ms on the
    path from one combination to the next), for no batching at one message a time.
    """
    by_topic: dict[str, list[PubsubMessage]] = {}
    for i in indexes:
        message = PubsubMessage(
            data=ComboMessage(job_id=job_id, index=i).model_dump_json().encode(),
            attributes={"job_id": job_id, "index": str(i)},
        )
        by_topic.setdefault(topic_path(i), []).append(message)
    attempts = retry.Retry(predicate=_TRANSIENT, initial=0.1, maximum=2.0, timeout=timeout)
    for topic, messages in by_topic.items():
        for start in range(0, len(messages), _MAX_BATCH):
            # The generated Publish call itself (the library's publish() batches).
            PublishCall.publish(
                publisher(),
                topic=topic,
                messages=messages[start : start + _MAX_BATCH],
                retry=attempts,
                timeout=timeout,
            )


def message_from_event(data: dict[str, Any]) -> ComboMessage:
    """The ComboMessage inside a ``messagePublished`` CloudEvent's data."""
    try:
        raw = base64.b64decode(data["message"]["data"])
        return ComboMessage.model_validate(json.loads(raw))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidRequest(f"not a combination message: {exc}") from exc
