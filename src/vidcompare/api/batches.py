"""``POST /api/batch-compare-async``: validate, create the job, publish the first messages.

Everything is validated before anything is written: a rejected request creates no
job document and publishes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from vidcompare import queue, store
from vidcompare.config import Settings, settings
from vidcompare.documents import JobDoc
from vidcompare.errors import InvalidRequest, RetryLater
from vidcompare.estimate import estimate_batch
from vidcompare.plan import Plan
from vidcompare.providers.registry import Registry, default_registry
from vidcompare.schemas import BatchAccepted, BatchRequest, DryRunAnswer, JobStatus, ModelInfo

# Pub/Sub that does not take the first messages within this is down: answer 503 quickly.
PUBLISH_TIMEOUT_S = 10.0


def parse_model(model_cls: type, body: Any) -> Any:
    """Validate ``body`` as ``model_cls``; a 400 naming every bad field otherwise."""
    if not isinstance(body, dict):
        raise InvalidRequest.for_field("body", "must be a JSON object")
    try:
        return model_cls.model_validate(body)
    except ValidationError as exc:
        details = [
            {"field": _field_path(err["loc"]), "message": _said(err)}
            for err in exc.errors(include_url=False)
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise InvalidRequest(summary, details=details) from None


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``("pairs", 0, "prompt")`` -> ``pairs[0].prompt``: how every other message names it."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _said(err: Any) -> str:
    if err["type"] == "string_too_short" and err.get("ctx", {}).get("min_length") == 1:
        return "is empty"
    return err["msg"]


def _no_duplicates(field: str, items: list[str]) -> None:
    seen: dict[str, int] = {}
    for position, item in enumerate(items):
        if item in seen:
            raise InvalidRequest.for_field(
                f"{field}[{position}]", f"duplicate of {field}[{seen[item]}] ({item!r})"
            )
        seen[item] = position


def _repeats_collapsed(request: BatchRequest) -> list[str]:
    """The seed's example sends parallel lists with repeats (``[v1, v1, v2, v2]``): each
    distinct video runs with each distinct prompt, and the answer says so, with the
    ``pairs`` body that runs exactly the pairs listed when the lists are parallel."""
    warnings = []
    for field in ("video_ids", "prompts"):
        items: list[str] = getattr(request, field)
        repeated = sorted({item for item in items if items.count(item) > 1}, key=items.index)
        if repeated:
            said = ", ".join(f"{item!r} × {items.count(item)}" for item in repeated)
            warnings.append(
                f"{field}: repeats collapsed ({said}); each distinct one runs once with "
                f"every {'prompt' if field == 'video_ids' else 'video'}"
            )
    if warnings and len(request.video_ids) == len(request.prompts):
        pairs = [
            {"video_id": video_id, "prompt": prompt}
            for video_id, prompt in dict.fromkeys(
                zip(request.video_ids, request.prompts, strict=True)
            )
        ]
        warnings.append(
            "to run exactly the pairs as listed, send instead: "
            + json.dumps({"pairs": pairs}, ensure_ascii=False)
        )
    return warnings


def _lifecycle_warning(field: str, info: ModelInfo | None) -> list[str]:
    """'models[2]: gemini-3.7-flash is deprecated (shutdown 2027-05-07); use ... instead'."""
    if info is None or not info.deprecated:
        return []
    when = f" (shutdown {info.shutdown_date})" if info.shutdown_date else ""
    use = f"; use {info.successor} instead" if info.successor else ""
    return [f"{field}: {info.model_id} is deprecated{when}{use}"]


@dataclass(frozen=True)
class ValidBatch:
    plan: Plan
    judge_model: str  # the one asked for, or the default; checked like the models
    warnings: list[str]  # e.g. a deprecated model and its replacement
    video_names: dict[str, str]  # each video's file name, read while checking it exists


def validate_batch(
    request: BatchRequest, *, owner: str | None, config: Settings, registry: Registry
) -> ValidBatch:
    """The batch's plan, judge and warnings, or a 400 naming the field."""
    if request.pairs is not None:
        if request.video_ids or request.prompts:
            raise InvalidRequest.for_field(
                "pairs", "give either pairs or video_ids and prompts, not both"
            )
        if not request.pairs:
            raise InvalidRequest.for_field("pairs", "must not be empty")
        _no_duplicates("pairs", [f"{p.video_id}\n{p.prompt}" for p in request.pairs])
    else:
        for field in ("video_ids", "prompts"):
            if not getattr(request, field):
                raise InvalidRequest.for_field(field, "must not be empty")
    if not request.models:
        raise InvalidRequest.for_field("models", "must not be empty")
    _no_duplicates("models", request.models)
    if len(request.models) > config.max_models:
        raise InvalidRequest.for_field("models", f"at most {config.max_models} models per batch")
    # Asked of the live catalogues now, so that a model the API does not offer is a 400
    # here, never a job that fails at its first combination.
    warnings = _repeats_collapsed(request) if request.pairs is None else []
    for position, model_id in enumerate(request.models):
        field = f"models[{position}]"
        warnings += _lifecycle_warning(field, registry.require_offered(model_id, field=field))
    judge_model = judge_for(request, config, registry)
    judge = registry.require_offered(judge_model, field="judge_model", judge=True)
    warnings += _lifecycle_warning("judge_model", judge)
    if request.concurrency != "auto" and request.concurrency > config.max_concurrency:
        raise InvalidRequest.for_field("concurrency", f"must be at most {config.max_concurrency}")

    plan = Plan.from_request(request)
    prompt_field = "pairs" if request.pairs is not None else "prompts"
    for position, prompt in enumerate(plan.prompts):
        if len(prompt) > config.max_prompt_chars:
            raise InvalidRequest.for_field(
                f"{prompt_field}[{position}]",
                f"prompt is {len(prompt)} characters; at most {config.max_prompt_chars}",
            )
    if len(plan.video_ids) > config.max_videos:
        raise InvalidRequest.for_field("video_ids", f"at most {config.max_videos} videos")
    if len(plan.prompts) > config.max_prompts:
        raise InvalidRequest.for_field(prompt_field, f"at most {config.max_prompts} prompts")
    if plan.total > config.max_combinations:
        raise InvalidRequest.for_field(
            "pairs" if request.pairs is not None else "video_ids",
            f"{plan.total} combinations; at most {config.max_combinations} per batch",
        )
    unknown = [p for p in request.prompt_tags if p not in set(plan.prompts)]
    if unknown:
        raise InvalidRequest.for_field(
            "prompt_tags", f"{unknown[0][:60]!r} is not one of the batch's prompts"
        )
    # One read: which videos exist (the owner's) and their names, kept on the job.
    names = store.video_filenames(plan.video_ids, owner=owner)
    missing = [v for v in plan.video_ids if v not in names]
    if missing:
        # Where the first unknown one stands in the request, as the other fields say it.
        if request.pairs is not None:
            at = [p.video_id for p in request.pairs].index(missing[0])
            where = f"pairs[{at}].video_id"
        else:
            where = f"video_ids[{request.video_ids.index(missing[0])}]"
        raise InvalidRequest.for_field(
            where, f"unknown video {', '.join(repr(v) for v in missing)}; upload it first"
        )
    return ValidBatch(plan, judge_model, warnings, names)


def lanes_asked(request: BatchRequest, config: Settings) -> int:
    """The lanes a batch asks for; "auto": the cap, since every model call waits for its
    turn under the model's shared quota anyway (vidcompare.limiter), so lanes beyond
    what the quota allows only wait, and fewer would leave quota unused."""
    return config.max_concurrency if request.concurrency == "auto" else request.concurrency


def judge_for(request: BatchRequest, config: Settings, registry: Registry) -> str:
    """The judge asked for; else the judge a family offers for the batch's models (the
    Gemini one for Gemini batches), the offline one otherwise."""
    if request.judge_model:
        return request.judge_model
    return registry.default_judge(request.models) or config.default_judge


def start_batch(body: Any, *, owner: str | None) -> BatchAccepted | DryRunAnswer:
    config = settings()
    request: BatchRequest = parse_model(BatchRequest, body)
    valid = validate_batch(request, owner=owner, config=config, registry=default_registry())
    plan, judge_model, warnings = valid.plan, valid.judge_model, valid.warnings
    lanes = min(lanes_asked(request, config), plan.total)
    if request.dry_run:
        estimate = estimate_batch(
            plan, request.models, judge_model, lanes, owner=owner, judge_swaps=request.judge_swaps
        )
        auto = request.concurrency == "auto"
        return estimate.model_copy(update={"warnings": warnings, "auto_concurrency": auto})
    job = job_document(
        request, plan, judge_model=judge_model, lanes=lanes, owner=owner, warnings=warnings
    )
    job.video_names = valid.video_names
    store.create_job(job)
    job_id = job.job_id
    try:
        queue.publish_combinations(job_id, list(range(lanes)), timeout=PUBLISH_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever stopped Pub/Sub, the answer is the same
        # Nothing was started: take the job back, so that a retry makes exactly one.
        store.delete_job(job_id)
        said = str(exc) or type(exc).__name__
        raise RetryLater(
            f"the batch could not be queued (Pub/Sub: {said}); nothing was created, try again",
            retry_after_s=30,
        ) from exc
    said_again = set(BatchAccepted.model_fields) & set(JobDoc.model_fields)
    return BatchAccepted(
        **job.model_dump(include=said_again),
        status_url=f"/api/jobs/{job_id}",
        result_url=f"/api/jobs/{job_id}/result",
    )


def job_document(
    request: BatchRequest,
    plan: Plan,
    *,
    judge_model: str,
    lanes: int,
    owner: str | None,
    warnings: list[str] | None = None,
) -> JobDoc:
    """The job document of a validated batch, pending, with a new id."""
    stamp = store.now()
    return JobDoc(
        job_id=str(uuid.uuid4()),
        name=request.name,
        tags=list(dict.fromkeys(request.tags)),
        prompt_tags=request.prompt_tags,
        owner=owner,
        status=JobStatus.pending,
        total_combinations=plan.total,
        total_videos=len(plan.video_ids),
        total_prompts=len(plan.prompts),
        models=request.models,
        judge_model=judge_model,
        warnings=warnings or [],
        judge_swaps=request.judge_swaps,
        concurrency=lanes,
        auto_concurrency=request.concurrency == "auto",
        plan=plan.to_doc(),
        created_at=stamp,
        updated_at=stamp,
        expire_at=store.expiry(stamp),
    )


def create_job(
    request: BatchRequest, plan: Plan, *, judge_model: str, lanes: int, owner: str | None
) -> str:
    """Write the job document of a validated batch (nothing published); returns its id."""
    job = job_document(request, plan, judge_model=judge_model, lanes=lanes, owner=owner)
    store.create_job(job)
    return job.job_id
