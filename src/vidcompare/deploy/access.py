"""Who may do what: one service account per function, least privilege, and invokers.

A binding is added again on every deploy (adding it twice is harmless) and goes with
what it is on; a deleted account's project-level bindings are dropped by IAM itself.
Every binding runs under the script's ``with_retries``: IAM is eventually consistent,
and a service account created a moment ago may not be found yet.

Uploads need no signing: ``start_batch`` opens each resumable-upload session itself,
with its own credentials (``storage.objectAdmin`` on the bucket), and the browser or
client sends the bytes to the session URL, which needs no credentials. So no account
is given ``iam.serviceAccountTokenCreator`` on itself: there is no V4 signed URL to sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from vidcompare.deploy.resource import Lookup, Resource, gcloud, named, sh
from vidcompare.deploy.target import FunctionPlan, Target

# Cloud Build builds the functions as an account of the deploy's own (--build-service-account):
# a new project's default build account may lack what a build needs, and gcloud's offer to
# fix that is a question ``bash -s`` cannot answer.
BUILD_ROLE = "roles/cloudbuild.builds.builder"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
PUBSUB_AGENT = "the Pub/Sub service agent"

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
        create=(f"with_retries {command} {flags} >/dev/null",),
        part_of=part_of,
        reads=reads,
    )


def project_number(target: Target) -> Lookup:
    """The project's number: service agents and run.app URLs are named with it."""
    return Lookup(
        "PROJECT_NUMBER",
        gcloud("projects describe", target.project, "--format=value(projectNumber)"),
    )


def pubsub_agent() -> str:
    return "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"


def _project_binding(target: Target) -> str:
    return gcloud("projects add-iam-policy-binding", target.project, "--condition=None", "--quiet")


def build_account(target: Target) -> list[Resource]:
    """The account Cloud Build runs the functions' builds as, and what a build needs."""
    own = account(target, "build")
    member, where = f"serviceAccount:{target.account('build')}", f"project {target.project}"
    builder = grant(where, _project_binding(target), member=member, role=BUILD_ROLE, part_of=own)
    return [own, builder]


def push_token_creator(target: Target, worker_account: Resource) -> Resource:
    """Pub/Sub signs the ID token of each authenticated push to the worker as the worker's
    account (``--trigger-service-account``): its service agent may mint tokens for it."""
    email = target.account("process_combo")
    binding = gcloud("iam service-accounts add-iam-policy-binding", email, target.project_flag)
    return grant(
        f"{email}, for authenticated push",
        binding,
        member=pubsub_agent(),
        role=TOKEN_CREATOR,
        part_of=worker_account,
        who=PUBSUB_AGENT,
        reads=(project_number(target),),
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
        where = f"project {target.project}"
        out.append(grant(where, _project_binding(target), member=member, role=role, part_of=own))
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
