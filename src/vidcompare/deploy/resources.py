"""Every cloud resource of a deploy, declared once, in the order it is created.

Each one needs only what comes before it: the APIs; Pub/Sub, storage, Firestore and the
secrets (:mod:`~vidcompare.deploy.storage`); the service accounts and their bindings,
the build's account among them (:mod:`~vidcompare.deploy.access`); the functions, what
Eventarc made for the worker, the sweep's schedule and API Gateway
(:mod:`~vidcompare.deploy.serving`); last the bucket's CORS, which names the gateway's
host (:mod:`~vidcompare.deploy.cors`). A teardown deletes the same list backwards.
Nothing here depends on the clock, so an unchanged tree declares the same resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vidcompare.deploy import access, cors, serving, storage
from vidcompare.deploy.documents import CORS_FILE
from vidcompare.deploy.resource import Resource, gcloud
from vidcompare.deploy.stage import repo_root
from vidcompare.deploy.target import FUNCTIONS, Target

APIS = (
    "apigateway.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "servicecontrol.googleapis.com",
    "servicemanagement.googleapis.com",
    "storage.googleapis.com",
)


def resources(
    target: Target, indexes: Sequence[Mapping[str, Any]] = (), root: Path | None = None
) -> list[Resource]:
    """The deploy's resources in creation order; ``indexes`` as in firestore.indexes.json
    (a teardown needs none: they go with the database); ``root``: the checkout whose
    ``build/deploy/`` the commands read, named absolutely."""
    root = (root or repo_root()).resolve()
    topic = storage.topic(target, target.topic)
    dead_letter_topic = storage.topic(target, target.dead_letter_topic)
    bucket = storage.bucket(target)
    database = storage.database(target)
    secrets = {prop: storage.secret(target, prop) for prop in storage.SECRET_SOURCES}
    functions = {fn.name: serving.function(target, fn, root) for fn in FUNCTIONS}

    out = [_apis(target), topic, dead_letter_topic, storage.dead_letters(target)]
    out += [bucket, storage.bucket_policy(target, bucket, root), database]
    out += [storage.index(target, database, spec) for spec in indexes]
    out += [storage.ttl(target, database, group) for group in storage.TTL_COLLECTION_GROUPS]
    out += [storage.unindexed(target, database, *where) for where in storage.UNINDEXED_FIELDS]
    for prop, secret in secrets.items():
        out += [secret, storage.secret_value(target, prop, secret)]
    accounts = {}
    for fn in FUNCTIONS:
        own, *privileges = access.function_account(target, fn, topic, bucket, secrets)
        accounts[fn.name] = own
        out += [own, *privileges]
    out.append(access.push_token_creator(target, accounts["process_combo"]))
    out += access.build_account(target)
    out += [access.account(target, "gateway"), access.account(target, "scheduler")]
    out += functions.values()
    out += access.invokers(target, functions)
    out += serving.trigger_subscription(target, functions["process_combo"], dead_letter_topic)
    out.append(serving.sweep(target))
    out += serving.api_gateway(target, root)
    out.append(cors.bucket_cors(target, bucket, serving.gateway_host(target), root / CORS_FILE))
    return out


def _apis(target: Target) -> Resource:
    # Never disabled by a teardown: other things in the project may use them.
    return Resource(
        what="Google APIs the deploy uses, enabled",
        create=(gcloud("services enable", *APIS, target.project_flag),),
    )
