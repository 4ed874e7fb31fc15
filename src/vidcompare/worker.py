"""One combination: claim → models in parallel → judge → commit → chain the next.

The order matters (docs/architecture.md §4): the successor is published only after the commit, and
a redelivered message for a finished combination re-publishes the successor unless
it is recorded as published, so the chain survives a crash at any line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

from vidcompare import lanes, limiter, queue, store
from vidcompare.config import settings
from vidcompare.documents import JobDoc
from vidcompare.errors import (
    InvalidRequest,
    LeaseHeld,
    ModelError,
    ModelRefusal,
    NotFound,
    PermanentModelError,
    RetryLater,
)
from vidcompare.judging import judge_combination, shuffle_seed
from vidcompare.plan import Plan
from vidcompare.providers.base import Judge, Model, VideoSource
from vidcompare.providers.registry import default_registry
from vidcompare.schemas import Comparison, JobStatus, ModelResult, Usage
from vidcompare.step_log import StepTimer, delivery_ms
from vidcompare.video_files import video_source

log = logging.getLogger(__name__)
T = TypeVar("T")


def claim_identity() -> str:
    """Who holds a claim: this host and process (read now: gunicorn forks workers after
    import) and a token of its own, so that no two claims ever look like one holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Heartbeat:
    """Renews a claim's lease every quarter of the lease while the models run, so that a
    live worker keeps it and a dead one loses it within a lease (60 s by default).

    ``version`` follows the combination document's update time through the renewals
    (None once unknown), for the commit's single precondition write."""

    def __init__(self, job_id: str, index: int, holder: str, version: dt.datetime | None) -> None:
        self.job_id, self.index, self.holder = job_id, index, holder
        self.version = version
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self._thread.is_alive():
            self.version = None  # a renewal may still land: let the commit's transaction decide

    def _beat(self) -> None:
        lease = settings().lease_seconds
        while not self._stop.wait(lease / 4):
            try:
                self.version = None  # until a renewal says what it wrote
                self.version = store.renew_lease(self.job_id, self.index, self.holder, lease)
                if self.version is None:
                    log.warning(
                        "lost the lease of combination %s of job %s", self.index, self.job_id
                    )
                    return  # another claim has it; our commit, if it comes, is idempotent
            except Exception:  # noqa: BLE001 - the next beat may succeed; the lease is long
                log.exception("lease renewal failed")


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _event_loop() -> asyncio.AbstractEventLoop:
    """One loop per instance, in its own thread, shared by every request thread.

    SDK clients keep connection pools bound to the loop that first used them; a loop per
    message, or two loops, deadlock them. The lock makes sure concurrent first
    requests start exactly one.
    """
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="vidcompare-loop", daemon=True).start()
        return _loop


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coroutine, _event_loop()).result()


@functools.lru_cache(maxsize=256)
def _plan(job_id: str) -> Plan:
    # A plan never changes after the job is created, so one read per instance is enough.
    return Plan.from_doc(store.get_job(job_id, with_plan=True).plan or {})


def handle_event(data: dict) -> str:
    """Entry point for a ``messagePublished`` CloudEvent's ``data``. Returns what happened.

    Raising makes the function answer 5xx, so Pub/Sub redelivers the message later.
    Every delivery of a well-formed message logs its steps' durations (one JSON line).
    """
    timer = StepTimer()
    try:
        message = queue.message_from_event(data)
    except InvalidRequest as exc:
        log.error("dropping a malformed message: %s", exc.message)
        return "drop: malformed message"
    raw = data.get("message") if isinstance(data, dict) else None
    timer.fields.update(
        job_id=message.job_id,
        index=message.index,
        delivery_ms=delivery_ms((raw or {}).get("publishTime"), timer.received_at),
    )
    timer.lap("parse")
    outcome = "error"
    try:
        outcome = _handle(message.job_id, message.index, timer)
        return outcome
    finally:
        timer.emit(outcome)


def _handle(job_id: str, index: int, timer: StepTimer) -> str:
    try:
        return process(job_id, index, timer)
    except RetryLater:
        raise  # expected: another worker holds it, or the video is not ready; come back later
    except Exception as exc:
        # A crash that would repeat on every delivery must not retry forever.
        error = f"{type(exc).__name__}: {exc}"
        failures = store.record_crash(job_id, index, error)
        log.exception("combination %s of job %s crashed (%d)", index, job_id, failures)
        if failures < settings().max_deliveries:
            raise
        store.fail_job(job_id, f"combination {index} crashed {failures} times: {error}")
        return "drop: poison message"


def _claim(job_id: str, index: int, holder: str, video_id: str, prompt: str) -> store.Claim:
    """Claim the combination. If a lease holds it, watch that lease for one renewal period:
    a live holder renews it every quarter lease, and this delivery is refused; a holder
    that did not renew is dead, and this delivery waits the lease out and takes the
    combination over as it lapses, instead of leaving it to Pub/Sub's next retry, which
    its backoff may put a minute later. The claim is a transaction either way: a holder
    that renews late still wins.
    """

    def attempt() -> store.Claim:
        return store.claim_combination(
            job_id,
            index,
            worker=holder,
            lease_seconds=settings().lease_seconds,
            video_id=video_id,
            prompt=prompt,
        )

    try:
        return attempt()
    except LeaseHeld as held:
        first = held
    time.sleep(min(settings().lease_seconds / 4 + 1, first.expires_in_s + 0.5))
    try:
        return attempt()
    except LeaseHeld as again:
        if again.expires_at > first.expires_at:
            raise  # renewed: its holder is alive; Pub/Sub brings the message back later
        log.info("waiting %.1f s for a dead holder's lease: %s", again.expires_in_s, again.message)
        time.sleep(again.expires_in_s + 0.5)
    return attempt()


def process(job_id: str, index: int, timer: StepTimer | None = None) -> str:
    timer = timer or StepTimer()
    try:
        plan = _plan(job_id)
    except NotFound:
        log.warning("dropping combination %s: job %s not found", index, job_id)
        return "drop: job not found"
    try:
        video_id, prompt = plan.combination(index)
    except IndexError as exc:
        # Redelivering it would never help: acknowledge and say so.
        log.error("dropping a message for job %s: %s", job_id, exc)
        return f"drop: {exc}"
    holder = claim_identity()
    timer.lap("plan")
    claim = _claim(job_id, index, holder, video_id, prompt)
    timer.lap("claim")
    if claim.action is store.ClaimAction.drop or claim.job is None:
        log.info("dropping combination %s of job %s: %s", index, job_id, claim.reason)
        return f"drop: {claim.reason}"
    waits: list[float] | None = None  # this combination's waits for quota turns (if it ran)
    if claim.action is store.ClaimAction.run:
        waits = []
        successor = index + claim.job.concurrency  # its video is made ready meanwhile
        next_video = plan.combination(successor)[0] if successor < plan.total else None
        try:
            with Heartbeat(job_id, index, holder, claim.version) as heartbeat:
                comparison = run_async(
                    _run_combination(
                        job_id, index, video_id, prompt, claim.job, timer, next_video, waits
                    )
                )
            timer.lap("wind_down")
            recorded = store.commit_combination(
                job_id,
                index,
                comparison,
                version=heartbeat.version,
                expire_at=claim.job.expire_at,
            )
            timer.lap("commit")
        except (PermanentModelError, NotFound) as exc:
            store.fail_job(job_id, exc.message)
            return f"failed: {exc.message}"
        except RetryLater:
            # Nothing is recorded (the video is not ready, or Firestore stayed busy with
            # other writers): give the combination back, so that its redelivery claims it
            # at once instead of waiting out our lease. Not a crash: it is not counted.
            store.release_claim(job_id, index, worker=holder)
            raise
        outcome = "done" if recorded else "duplicate: recorded by another worker"
    else:
        outcome = "duplicate: already done"
        if claim.next_published:
            return outcome
    # Also on a redelivery: the worker that committed may have died before these steps.
    successors = _successors(job_id, index, claim.job, plan.total, timer, waits)
    if not successors:
        # What follows a combination commits after it, so only one that nothing follows
        # can be the job's last: it asks whether the job is complete (once its own commit
        # is in). At most one such combination per lane, whatever order they commit in.
        finished = store.finish_if_complete(job_id) is not JobStatus.running
        timer.lap("finish_check")
        if finished:
            return outcome
    _publish(job_id, index, successors, timer)
    return outcome


def _successors(
    job_id: str, index: int, job: JobDoc, total: int, timer: StepTimer, waits: list[float] | None
) -> list[int]:
    """What follows ``index`` on its lane: ``index + lanes`` for fixed lanes; for an Auto
    job, 0, 1 or 2 combinations from its cursor, as the quota waits of this combination
    say (vidcompare.lanes), recorded so that a redelivery gets the same."""
    successors = None
    if job.auto_concurrency:
        # A redelivery does not know the waits: it takes one, as a fixed lane would.
        felt = lanes.pressure(waits) if waits is not None else lanes.Pressure.steady
        successors = store.take_successors(
            job_id,
            index,
            lambda dispatch: lanes.successors_to_take(dispatch, total, job.concurrency, felt),
        )
        timer.lap("take_successors")
        timer.fields["pressure"] = felt.value
    if successors is None:  # fixed lanes (or an Auto job from before dispatch existed)
        successors = [index + job.concurrency] if index + job.concurrency < total else []
    timer.fields["successors"] = successors
    return successors


def _publish(job_id: str, index: int, successors: list[int], timer: StepTimer) -> None:
    """Publish the successors, then record that they were (a redelivery stops there)."""
    if successors:
        queue.publish_combinations(job_id, successors)
        timer.lap("publish")
        timer.stamp("published_at")
    store.mark_successor_published(job_id, index)
    timer.lap("mark_published")


async def _run_combination(
    job_id: str,
    index: int,
    video_id: str,
    prompt: str,
    job: JobDoc,
    timer: StepTimer,
    next_video_id: str | None = None,
    waits: list[float] | None = None,
) -> Comparison:
    limiter.serving_job.set(job_id)  # the model calls below take this job's share
    lanes.turn_waits.set(waits)  # ... and note how long they waited for their turns
    registry = default_registry()
    video = await asyncio.to_thread(video_source, video_id)
    models = [registry.model(m) for m in job.models]
    judge = registry.judge(job.judge_model)
    await _ready(video, [*models, judge])
    timer.lap("setup")
    if next_video_id is not None and next_video_id != video_id:
        _prefetch(next_video_id, [*models, judge])
    try:
        # A permanent failure of one model cancels the others: the job fails anyway.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_call_model(m, video, prompt)) for m in models]
    except* (PermanentModelError, RetryLater) as failures:
        raise failures.exceptions[0] from None
    results = [task.result() for task in tasks]
    timer.lap("models")
    timer.fields["model_latency_ms"] = max((r.latency_ms or 0 for r in results), default=0)
    judged = await judge_combination(
        judge,
        video,
        prompt,
        list(results),
        seed=shuffle_seed(job_id, index),
        swaps=job.judge_swaps,
        timeout_s=settings().model_timeout_s,
    )
    timer.lap("judge")
    timer.fields["judge_latency_ms"] = judged.latency_ms
    return Comparison(
        index=index,
        video_id=video_id,
        prompt=prompt,
        results=list(results),
        evaluation=judged.evaluation,
        overall_summary=judged.overall_summary,
        judge_model=job.judge_model,
        judge_error=judged.judge_error,
        judge_warnings=judged.warnings,
        judge_latency_ms=judged.latency_ms,
        judge_usage=judged.usage,
        position_consistent=judged.position_consistent,
        judge_labels=judged.labels,
    )


# Referenced until done: the loop keeps only weak references to its tasks.
_prefetches: set[asyncio.Future[None]] = set()
# The prefetch waits this long, so that this combination's model requests (sent in the
# same loop) leave first: it only has to be done by the successor's start.
PREFETCH_AFTER_S = 0.25


def _prefetch(video_id: str, parts: list[Model | Judge]) -> None:
    """Start making the successor's video ready (a Files API upload) while this
    combination's models run, instead of on the chain's path after the hop. The lookup
    is shared: the successor, here, joins it or finds it done; elsewhere it finds the
    upload recorded in Firestore, or makes it itself."""

    async def ready() -> None:
        await asyncio.sleep(PREFETCH_AFTER_S)
        try:
            video = await asyncio.to_thread(video_source, video_id)
            await _ready(video, parts)
        except Exception as exc:  # noqa: BLE001 - the successor meets it again and decides
            log.info("could not make video %s ready ahead: %s", video_id, exc)

    task = asyncio.ensure_future(ready())
    _prefetches.add(task)
    task.add_done_callback(_prefetches.discard)


async def _ready(video: VideoSource, parts: list[Model | Judge]) -> None:
    """Make the video ready for every model and the judge (one shared upload), or raise
    VideoNotReady. Other failures are left for each model to meet and record."""
    outcomes = await asyncio.gather(
        *(part.prepare(video) for part in parts), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, RetryLater | PermanentModelError):
            raise outcome


async def _call_model(model: Model, video: VideoSource, prompt: str) -> ModelResult:
    """One model's answer; a failure becomes this result's ``error``, except one that
    will never heal, which propagates and fails the job.

    The video is made ready first (a Files API upload, shared by every model and lane of
    the instance) under its own deadline; the model's timeout and latency count only the
    call itself.
    """
    timeout = settings().model_timeout_s
    result = ModelResult(model_name=model.display_name, model_id=model.model_id)
    started = None  # the call's start: a failed prepare took no model time
    try:
        await model.prepare(video)
        started = time.perf_counter()
        generation = await asyncio.wait_for(model.generate(video, prompt), timeout)
        result.response, result.usage = generation.text, generation.usage
        result.finish_reason, result.truncated = generation.finish_reason, generation.truncated
    except TimeoutError:
        result.error = f"timeout: no answer within {timeout:g} s"
    except (PermanentModelError, RetryLater):
        raise
    except ModelError as exc:  # a refusal says why the model stopped, and what it cost
        result.error = exc.message
        if isinstance(exc, ModelRefusal):
            result.finish_reason, result.block_reason = exc.finish_reason, exc.block_reason
        if isinstance(exc.usage, Usage):
            result.usage = exc.usage
    except Exception as exc:  # noqa: BLE001 - a model failure is data, not a crash
        result.error = f"{type(exc).__name__}: {exc}"
    if started is not None:
        result.latency_ms = round((time.perf_counter() - started) * 1000)
    return result


# Import the providers when the instance starts (google-genai alone takes ~0.5 s), not
# inside its first combination.
default_registry()
