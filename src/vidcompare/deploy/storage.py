"""Where vidcompare keeps things: Pub/Sub topics, the videos bucket, Firestore, secrets.

The bucket and the database hold users' data, so a teardown keeps them unless asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from vidcompare.deploy.documents import LIFECYCLE_FILE
from vidcompare.deploy.resource import Resource, gcloud, named
from vidcompare.deploy.target import Target

# Firestore collections whose documents carry ``expire_at`` (see store.expiry).
TTL_COLLECTION_GROUPS = ("jobs", "comparisons", "videos", "scores")
# Fields never queried whose automatic indexes would cost a write per entry: a score chunk
# holds up to 1,000 rows in one map (Firestore's limit is 40,000 index entries a document).
UNINDEXED_FIELDS = (("scores", "rows"),)
# Each secret (a property of Target): where its value comes from at deploy time, and what
# that is.
SECRET_SOURCES = {
    "gemini_secret": ("GEMINI_API_KEY", "a Gemini API key"),
    "api_keys_secret": ("VIDCOMPARE_API_KEYS", "owner=sha256,... from: vidcompare new-key OWNER"),
}


def topic(target: Target, name: str) -> Resource:
    return named(f"Pub/Sub topic {name}", "pubsub topics", name, target.project_flag)


def dead_letters(target: Target) -> Resource:
    name = f"{target.dead_letter_topic}-sub"
    return named(
        f"Pub/Sub subscription {name}, where dead letters are kept 7 days",
        "pubsub subscriptions",
        name,
        target.project_flag,
        create=[f"--topic={target.dead_letter_topic}", "--message-retention-duration=7d"],
    )


def bucket(target: Target) -> Resource:
    url, p = f"gs://{target.videos_bucket}", target.project_flag
    flags = ["--uniform-bucket-level-access", "--public-access-prevention"]
    return replace(
        named(f"Cloud Storage bucket {url}", "storage buckets", url, p),
        create=(gcloud("storage buckets create", url, f"--location={target.region}", *flags, p),),
        delete=(gcloud("storage rm --recursive", url, p),),
        holds_data=True,
    )


def bucket_policy(target: Target, bucket: Resource, root: Path) -> Resource:
    """Lifecycle rules (retention; abandoned uploads under ``incoming/``), no soft delete."""
    url = f"gs://{target.videos_bucket}"
    # No soft delete: a deleted video (a rejected or abandoned upload) is gone at once
    # instead of billing for 7 days; videos are inputs a user can upload again.
    update = gcloud(
        "storage buckets update",
        url,
        f"--lifecycle-file={root / LIFECYCLE_FILE}",
        "--clear-soft-delete",
        target.project_flag,
    )
    return Resource(
        what=f"Lifecycle rules and soft-delete policy of {url}", create=(update,), part_of=bucket
    )


def database(target: Target) -> Resource:
    p, db = target.project_flag, "--database=(default)"
    location, native = f"--location={target.region}", "--type=firestore-native"
    return Resource(
        what="Firestore database (default), native mode",
        check=gcloud("firestore databases describe", db, p),
        create=(gcloud("firestore databases create", db, location, native, p),),
        delete=(gcloud("firestore databases delete", db, p, "--quiet"),),
        holds_data=True,
    )


def index(target: Target, database: Resource, spec: Mapping[str, Any]) -> Resource:
    """A composite index, as ``infra/firestore.indexes.json`` declares it."""
    # An index has no name to describe: creating one that exists is what already_ok forgives.
    fields = [(f["fieldPath"], f["order"].lower()) for f in spec["fields"]]
    group = spec["collectionGroup"]
    create = gcloud(
        "firestore indexes composite create",
        f"--collection-group={group}",
        f"--query-scope={spec.get('queryScope', 'COLLECTION')}",
        *[f"--field-config=field-path={path},order={order}" for path, order in fields],
        "--async",
        target.project_flag,
    )
    return Resource(
        what=f"Firestore index on {group}: " + ", ".join(f"{f} {o}" for f, o in fields),
        create=(f"already_ok {create}",),
        part_of=database,
    )


def _field_setting(
    target: Target, database: Resource, what: str, command: str, group: str, setting: str
) -> Resource:
    """A setting of one field of a collection group (``gcloud firestore … fields``);
    applying it again is harmless, so it is created every time (already_ok)."""
    create = gcloud(command, f"--collection-group={group}", setting, "--async", target.project_flag)
    return Resource(what=what, create=(f"already_ok {create}",), part_of=database)


def ttl(target: Target, database: Resource, group: str) -> Resource:
    return _field_setting(
        target,
        database,
        f"Firestore TTL on {group}.expire_at",
        "firestore fields ttls update expire_at",
        group,
        "--enable-ttl",
    )


def unindexed(target: Target, database: Resource, group: str, field: str) -> Resource:
    return _field_setting(
        target,
        database,
        f"Firestore index exemption on {group}.{field}",
        f"firestore indexes fields update {field}",
        group,
        "--disable-indexes",
    )


def secret(target: Target, prop: str) -> Resource:
    name = getattr(target, prop)
    automatic = ["--replication-policy=automatic"]
    return named(f"Secret {name}", "secrets", name, target.project_flag, create=automatic)


def secret_value(target: Target, prop: str, secret: Resource) -> Resource:
    """A secret's value, from the deployer's environment: it never appears in the script."""
    name, p = getattr(target, prop), target.project_flag
    env, meaning = SECRET_SOURCES[prop]
    add = f'printf %s "${env}" | ' + gcloud("secrets versions add", name, "--data-file=-", p)
    latest = gcloud("secrets versions access latest", f"--secret={name}", p)
    missing = f"Secret {name} has no value: set {env} ({meaning}) and re-run."
    return Resource(
        what=f"Value of secret {name}, from ${env}",
        check=gcloud("secrets versions describe latest", f"--secret={name}", p),
        create=(f'[ -n "${{{env}:-}}" ] || {{ echo "{missing}" >&2; exit 1; }}', add),
        # A new version only when the value changed.
        update=(
            f'if [ -n "${{{env}:-}}" ] && [ "$({latest} 2>/dev/null)" != "${env}" ]; then\n'
            f"  {add}\nfi",
        ),
        part_of=secret,
    )
