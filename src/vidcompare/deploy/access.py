"""Who may do what: one service account per function, least privilege, and invokers.

A binding is added again on every deploy (adding it twice is harmless) and goes with
what it is on; a deleted account's project-level bindings are dropped by IAM itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from vidcompare.deploy.resource import Lookup, Resource, gcloud, named, sh
from vidcompare.deploy.target import FunctionPlan, Target

# Who may call which function, besides the API keys and ID tokens the functions check.
INVOKERS = (
    ("start_batch", "gateway"),
    ("job_status", "gateway"),
    ("job_status", "scheduler"),
    ("process_combo", "process_combo"),  # Eventarc pushes as the worker's own account
)


def account(target: Target, role: str) -> Resource:
    email, p = target.account(role), target.project_flag
    short, display = email.split("@", 1)[0], f"--display-name=vidcompare {role}"
    # Described by its email, created by its short name.
    return replace(
        named(f"Service account {email}", "iam service-accounts", email, p),
        create=(gcloud("iam service-accounts create", short, display, p),),
    )


def grant(
    where: str,
    command: str,
    *,
    member: str,
    role: str | None,
    part_of: Resource,
    who: str | None = None,
    reads: tuple[Lookup, ...] = (),
) -> Resource:
    """``command`` (an ``add-…-binding``) granting ``role`` to ``member``; it goes with
    ``part_of``. ``role`` None: the command grants a role of its own (an invoker)."""
    who = who or member.split(":", 1)[1].split("@", 1)[0]
    flags = sh(f"--member={member}", *([f"--role={role}"] if role else []))
    return Resource(
        what=f"IAM: {role or 'invoker'} for {who} on {where}",
        create=(f"{command} {flags} >/dev/null",),
        part_of=part_of,
        reads=reads,
    )


def function_account(
    target: Target,
    fn: FunctionPlan,
    topic: Resource,
    bucket: Resource,
    secrets: Mapping[str, Resource],
) -> list[Resource]:
    """A function's own service account, then each of its privileges."""
    own = account(target, fn.name)
    member, p = f"serviceAccount:{target.account(fn.name)}", target.project_flag
    out = [own]
    for role in fn.roles:
        binding = gcloud(
            "projects add-iam-policy-binding", target.project, "--condition=None", "--quiet"
        )
        where = f"project {target.project}"
        out.append(grant(where, binding, member=member, role=role, part_of=own))
    if fn.publishes:
        binding = gcloud("pubsub topics add-iam-policy-binding", target.topic, p)
        role, where = "roles/pubsub.publisher", f"topic {target.topic}"
        out.append(grant(where, binding, member=member, role=role, part_of=topic))
    if fn.bucket_role:
        url = f"gs://{target.videos_bucket}"
        binding = gcloud("storage buckets add-iam-policy-binding", url)
        out.append(grant(url, binding, member=member, role=fn.bucket_role, part_of=bucket))
    for _, prop in fn.secrets:
        name = getattr(target, prop)
        binding = gcloud("secrets add-iam-policy-binding", name, p)
        role, where = "roles/secretmanager.secretAccessor", f"secret {name}"
        out.append(grant(where, binding, member=member, role=role, part_of=secrets[prop]))
    return out


def invokers(target: Target, functions: Mapping[str, Resource]) -> list[Resource]:
    """The accounts that call each function (the functions are closed to ``allUsers``)."""
    out = []
    for fn_name, who in INVOKERS:
        name, region = target.function(fn_name), f"--region={target.region}"
        binding = gcloud("functions add-invoker-policy-binding", name, region, target.project_flag)
        member = f"serviceAccount:{target.account(who)}"
        where = f"function {name}"
        out.append(grant(where, binding, member=member, role=None, part_of=functions[fn_name]))
    return out
