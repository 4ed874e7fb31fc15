"""Google Cloud clients, one of each per process.

The clients pick up ``FIRESTORE_EMULATOR_HOST``, ``PUBSUB_EMULATOR_HOST`` and
``STORAGE_EMULATOR_HOST`` by themselves, so the same code runs on the emulators and
in production.
"""

from __future__ import annotations

import functools

from google.cloud import firestore, pubsub_v1, storage

from vidcompare.config import settings


@functools.cache
def firestore_client() -> firestore.Client:
    return firestore.Client(project=settings().project)


@functools.cache
def publisher() -> pubsub_v1.PublisherClient:
    # A combination message is on the critical path of the chain: don't wait to batch it.
    return pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(max_latency=0.001)
    )


@functools.cache
def storage_client() -> storage.Client:
    return storage.Client(project=settings().project)


def bucket() -> storage.Bucket:
    return storage_client().bucket(settings().bucket)
