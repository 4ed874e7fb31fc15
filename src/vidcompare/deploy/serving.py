"""What answers: the three functions, the worker's delivery, the sweep's schedule, and
API Gateway in front of the HTTP functions.

A gen2 function's URL derives from its name (:meth:`Target.function_url`), so the
gateway's document is written with real addresses before anything is deployed. What
only exists once the worker is deployed (the subscription Eventarc made for it) is
read into a shell variable by a :class:`Lookup`.

Two audiences: the gateway calls the functions at their ``cloudfunctions.net`` URLs, and
callers' tokens forwarded through it name those (``VIDCOMPARE_ID_TOKEN_AUDIENCE``).
Cloud Scheduler calls the sweep on ``job_status`` directly, with a token whose audience
is the function's ``run.app`` URL, what Cloud Run accepts; only ``job_status`` accepts
it, and only from a token sent straight to it (``VIDCOMPARE_DIRECT_ID_TOKEN_AUDIENCE``),
never from one forwarded by the gateway.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from vidcompare import config
from vidcompare.deploy.access import PUBSUB_AGENT, grant, project_number, pubsub_agent
from vidcompare.deploy.documents import FUNCTIONS_DIR, GATEWAY_FILE, gateway_config_id
from vidcompare.deploy.resource import Lookup, Resource, gcloud, named
from vidcompare.deploy.target import FUNCTIONS, FunctionPlan, Target

RUNTIME = "python311"
# The function Cloud Scheduler calls (its /internal/sweep), straight, not through the gateway.
SWEEP_FUNCTION = "job_status"


def run_url(target: Target, name: str) -> str:
    """A gen2 function's deterministic Cloud Run URL (needs ``$PROJECT_NUMBER``)."""
    return f"https://{target.function(name)}-${{PROJECT_NUMBER}}.{target.region}.run.app"


def _audiences(target: Target) -> list[str]:
    return [target.function_url(f.name) for f in FUNCTIONS if f.http]


def _quota_settings() -> dict[str, str]:
    """``VIDCOMPARE_QUOTAS`` and ``VIDCOMPARE_GEMINI_TIER`` from the deployer's
    environment, as the functions will read them (each one checked now)."""
    passed = {}
    for name in ("VIDCOMPARE_QUOTAS", "VIDCOMPARE_GEMINI_TIER"):
        value = os.environ.get(name, "").strip()
        if value:
            passed[name] = value
    config.Settings.check_quotas()  # raises ValueError naming the variable
    return passed


def _env_vars(target: Target, fn: FunctionPlan) -> str:
    env = {
        "GOOGLE_CLOUD_PROJECT": target.project,
        "VIDCOMPARE_TOPIC": target.topic,
        "VIDCOMPARE_BUCKET": target.videos_bucket,
        "VIDCOMPARE_AUTH": "on",
        "VIDCOMPARE_RETENTION_DAYS": str(target.retention_days),
        # Renewed by a heartbeat while a worker runs: a dead one's lapses within a minute.
        "VIDCOMPARE_LEASE_SECONDS": f"{config.DEFAULT_LEASE_SECONDS:g}",
        "VIDCOMPARE_MAX_DELIVERIES": str(config.DEFAULT_MAX_DELIVERIES),
        "VIDCOMPARE_ADMINS": target.account("scheduler"),
        "VIDCOMPARE_ID_TOKEN_AUDIENCE": ",".join(_audiences(target)),
    }
    # The deployer's quotas, checked here (a bad table fails the deploy, not a call).
    for name, value in _quota_settings().items():
        env[name] = value
    if fn.name == SWEEP_FUNCTION:  # the scheduler's direct call, and only that
        env["VIDCOMPARE_DIRECT_ID_TOKEN_AUDIENCE"] = run_url(target, fn.name)
    # "^;^" makes ";" the separator: values hold commas.
    return "^;^" + ";".join(f"{k}={v}" for k, v in env.items())


def function(target: Target, fn: FunctionPlan, root: Path) -> Resource:
    """``gcloud functions deploy`` creates or updates: the same command either way."""
    name, p, region = target.function(fn.name), target.project_flag, f"--region={target.region}"
    flags = [
        f"--runtime={RUNTIME}",
        f"--source={root / FUNCTIONS_DIR / fn.name}",
        f"--entry-point={fn.name}",
        f"--service-account={target.account(fn.name)}",
        f"--build-service-account={target.build_account}",
        f"--memory={fn.memory}",
        f"--timeout={fn.timeout_s}s",
        f"--set-env-vars={_env_vars(target, fn)}",
        "--set-secrets="
        + ",".join(f"{env}={getattr(target, prop)}:latest" for env, prop in fn.secrets),
    ]
    if fn.http:
        flags += ["--trigger-http", "--no-allow-unauthenticated"]
        flags += [f"--max-instances={target.max_instances}", "--concurrency=8", "--cpu=1"]
    else:
        flags += [
            f"--trigger-topic={target.topic}",
            "--retry",
            f"--trigger-service-account={target.account(fn.name)}",
            f"--max-instances={target.worker_max_instances}",
        ]
    deploy = gcloud("functions deploy", name, "--gen2", p, region, *flags)
    # `describe --v2` reads the gen2 API; `delete` finds the generation itself (its
    # `--gen2` is hidden).
    return Resource(
        what=f"Cloud Function (gen2) {name}",
        check=gcloud("functions describe", name, "--v2", region, p),
        create=(deploy,),
        update=(deploy,),
        delete=(gcloud("functions delete", name, region, p, "--quiet"),),
        reads=(project_number(target),) if fn.name == SWEEP_FUNCTION else (),
    )


def trigger_subscription(
    target: Target, worker: Resource, dead_letter_topic: Resource
) -> list[Resource]:
    """Eventarc makes the worker's subscription; the deploy sets its retries and dead
    letters, and lets Pub/Sub itself move undeliverable messages."""
    p, name, region = target.project_flag, target.function("process_combo"), target.region
    trigger = Lookup(
        "TRIGGER",
        gcloud(
            "functions describe",
            name,
            "--v2",
            f"--region={region}",
            p,
            "--format=value(eventTrigger.trigger)",
        ),
    )
    subscription = Lookup(
        "SUBSCRIPTION",
        gcloud(
            "eventarc triggers describe",
            "$TRIGGER",
            f"--location={region}",
            p,
            "--format=value(transport.pubsub.subscription)",
        ),
    )
    number = project_number(target)
    policy = Resource(
        what=f"Retry policy and dead-letter topic of {name}'s trigger subscription",
        create=(
            gcloud(
                "pubsub subscriptions update",
                "$SUBSCRIPTION",
                f"--dead-letter-topic={target.dead_letter_topic}",
                f"--max-delivery-attempts={target.max_delivery_attempts}",
                "--min-retry-delay=10s",
                "--max-retry-delay=60s",  # a redelivery is never more than a minute away
                f"--ack-deadline={config.ACK_DEADLINE_S}",
                p,
            ),
        ),
        part_of=worker,
        reads=(trigger, subscription),
    )
    agent = pubsub_agent()
    publish = gcloud("pubsub topics add-iam-policy-binding", target.dead_letter_topic, p)
    subscribe = gcloud("pubsub subscriptions add-iam-policy-binding", "$SUBSCRIPTION", p)
    return [
        policy,
        grant(
            f"topic {target.dead_letter_topic}",
            publish,
            member=agent,
            role="roles/pubsub.publisher",
            part_of=dead_letter_topic,
            who=PUBSUB_AGENT,
            reads=(number,),
        ),
        grant(
            f"{name}'s trigger subscription",
            subscribe,
            member=agent,
            role="roles/pubsub.subscriber",
            part_of=policy,
            who=PUBSUB_AGENT,
            reads=(trigger, subscription, number),
        ),
    ]


def sweep(target: Target) -> Resource:
    """Cloud Scheduler calls the sweep that mends broken chains, as an admin, at the
    function's run.app URL with that URL as the token's audience (what a gen2 function
    accepts from a direct caller)."""
    job, loc, p = f"{target.name}-sweep", f"--location={target.region}", target.project_flag
    url = run_url(target, SWEEP_FUNCTION)
    settings = [
        f"--schedule={target.sweep_schedule}",
        f"--uri={url}/internal/sweep",
        "--http-method=POST",
        f"--oidc-service-account-email={target.account('scheduler')}",
        f"--oidc-token-audience={url}",
    ]
    return replace(
        named(f"Cloud Scheduler job {job}", "scheduler jobs", job, loc, p),
        create=(gcloud("scheduler jobs create http", job, loc, *settings, p),),
        update=(gcloud("scheduler jobs update http", job, loc, *settings, p),),
        reads=(project_number(target),),
    )


def api_gateway(target: Target, root: Path) -> list[Resource]:
    """The route table under one HTTPS host, calling the functions as the gateway account."""
    api, p, config = target.name, target.project_flag, gateway_config_id(target)
    api_flag, loc = f"--api={api}", f"--location={target.region}"
    # The API goes with every config of it, older ones too.
    listed = gcloud("api-gateway api-configs list", api_flag, p)
    delete_configs = (
        f"for config in $({listed} --format='value(name.basename())'); do\n  "
        + gcloud("api-gateway api-configs delete", "$config", api_flag, p, "--quiet")
        + "\ndone"
    )
    api_resource = named(f"API Gateway API {api}", "api-gateway apis", api, p)
    api_resource = replace(api_resource, delete=(delete_configs, *api_resource.delete))
    config_resource = Resource(
        what=f"API Gateway config {config}, from {GATEWAY_FILE} (its digest names it)",
        check=gcloud("api-gateway api-configs describe", config, api_flag, p),
        create=(
            gcloud(
                "api-gateway api-configs create",
                config,
                api_flag,
                f"--openapi-spec={root / GATEWAY_FILE}",
                f"--backend-auth-service-account={target.account('gateway')}",
                p,
            ),
        ),
        part_of=api_resource,
    )
    serving = [api_flag, f"--api-config={config}", loc, p]
    gateway = replace(
        named(f"API Gateway gateway {api}, serving {config}", "api-gateway gateways", api, loc, p),
        create=(gcloud("api-gateway gateways create", api, *serving),),
        update=(gcloud("api-gateway gateways update", api, *serving),),
    )
    return [api_resource, config_resource, gateway]


def gateway_host(target: Target) -> Lookup:
    """The gateway's hostname, once it is deployed: where users point VIDCOMPARE_URL."""
    loc, p = f"--location={target.region}", target.project_flag
    host = "--format=value(defaultHostname)"
    return Lookup(
        "GATEWAY_HOST", gcloud("api-gateway gateways describe", target.name, loc, p, host)
    )
