"""Calling Gemini: the 429 loop, and what each way the API says no means for a batch.

=========================================  ==========================================
the API answers                            what happens
=========================================  ==========================================
429 RESOURCE_EXHAUSTED                     retried after the delay the API asks for
                                           (else backoff), never past the call's budget
500/502/503/504/408, hung request          retried by the SDK; then that model's error
400 API_KEY_INVALID, 401                   the job fails: the credentials are refused
403 PERMISSION_DENIED                      the job fails (a refused *file* is re-uploaded)
404 NOT_FOUND (model)                      the job fails: the model is gone
400 location not supported, billing /      the job fails: no combination would pass
free tier, our request's config/schema
any other 4xx (e.g. input over the token   that model's error in that combination; the
limit, an unsupported video)               batch goes on
=========================================  ==========================================

Blocked prompts and answers stopped for SAFETY, RECITATION, ... come back as 200s; see
:mod:`.answers`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.genai import errors

from vidcompare import lanes, limiter
from vidcompare.config import settings
from vidcompare.errors import (
    CredentialsRefused,
    ModelError,
    PermanentModelError,
    RetryLater,
    TransientModelError,
)
from vidcompare.quotas import ModelQuota

log = logging.getLogger(__name__)
T = TypeVar("T")


def _error_body(exc: errors.APIError) -> dict[str, Any]:
    details = exc.details if isinstance(exc.details, dict) else {}
    inner = details.get("error", details)
    return inner if isinstance(inner, dict) else {}


def _detail_items(exc: errors.APIError) -> list[dict[str, Any]]:
    items = _error_body(exc).get("details") or []
    return [item for item in items if isinstance(item, dict)]


# "...\nPlease retry in 36.429760048s." closes the message of a quota 429.
_PLEASE_RETRY = re.compile(r"Please retry in ([\d.]+)s\b")


def retry_delay_s(exc: errors.APIError) -> float | None:
    """How long the API asked us to wait: the message's "Please retry in 36.43s", else
    ``RetryInfo.retryDelay``, else ``Retry-After``. The message comes first because the
    API truncates retryDelay to whole seconds ("36s"): a retry after it alone is early."""
    if found := _PLEASE_RETRY.search(exc.message or ""):
        return float(found[1])
    for detail in _detail_items(exc):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            found = re.fullmatch(r"([\d.]+)s", str(detail.get("retryDelay", "")))
            if found:
                return float(found[1])
    header = exc.response.headers.get("retry-after") if exc.response is not None else None
    if header:
        try:
            return float(header)
        except ValueError:
            pass
    return None


def _reasons(exc: errors.APIError) -> set[str]:
    return {str(d["reason"]) for d in _detail_items(exc) if d.get("reason")}


def is_about_a_file(exc: BaseException | None) -> bool:
    """The API refused a Files API handle: "File files/x was not found.", "You do not
    have permission to access the File x...", "The File x is not in an ACTIVE state"."""
    return (
        isinstance(exc, errors.ClientError)
        and exc.code in (400, 403, 404)
        and "file" in (exc.message or "").lower()
    )


# 400s that no other combination would pass either: the project cannot use the API here
# (location, billing), or our request itself is wrong (its config, its schema).
_NEVER_HEALS = (
    "location is not supported",
    "billing",
    "free tier is not available",
    "generation_config",
    "response_schema",
    "invalid json payload",
)


def classify(exc: BaseException, model_id: str = "", *, what: str = "") -> ModelError:
    """Our error for an SDK failure of a call to ``model_id`` (or of ``what``, another
    call): permanent ones fail the job, the others are data."""
    if isinstance(exc, errors.ClientError):
        message = exc.message or str(exc)
        said = f"{exc.code} {exc.status}" if exc.status else str(exc.code)
        if exc.code == 401 or "API_KEY_INVALID" in _reasons(exc) or "api key" in message.lower():
            return CredentialsRefused(f"Gemini rejected the credentials ({said}): {message}")
        if exc.code == 403 and not is_about_a_file(exc):
            return PermanentModelError(f"Gemini refused permission ({said}): {message}")
        if exc.code == 404 and not is_about_a_file(exc):
            if what:
                return PermanentModelError(f"Gemini has no {what} here ({said}): {message}")
            return PermanentModelError(
                f"Gemini does not offer model {model_id!r} ({said}): {message}"
            )
        if exc.code == 400 and any(words in message.lower() for words in _NEVER_HEALS):
            return PermanentModelError(f"Gemini refused the request ({said}): {message}")
        if exc.code == 429:
            return TransientModelError(
                f"rate limited ({said}) after retries: {message}",
                retry_after_s=retry_delay_s(exc),
            )
        # One video or one prompt the API will not take (too many tokens, a bad file): that
        # model's error in that combination, while the others go on.
        return ModelError(f"Gemini refused this request ({said}): {message}")
    if isinstance(exc, errors.ServerError):
        return TransientModelError(f"Gemini server error {exc.code} after retries: {exc.message}")
    if "Timeout" in type(exc).__name__:  # httpx.ReadTimeout etc., after the SDK's retries
        timeout = settings().gemini_request_timeout_s
        return TransientModelError(f"Gemini sent no answer within {timeout:g} s, after retries")
    return TransientModelError(f"{type(exc).__name__}: {exc}")


async def call_gemini(
    model_id: str,
    call: Callable[[], Awaitable[T]],
    *,
    deadline: float | None = None,
    paced: bool = False,
) -> T:
    """``call()``, retrying 429s with the server's delay (else backoff with jitter).

    ``deadline`` (``time.monotonic()``) is the call's budget: a 429 that asks for a wait
    past it ends the call now, as that model's error, instead of dying at the timeout.
    ``paced``: each attempt first takes the model's turn from the shared limiter
    (:mod:`vidcompare.limiter`), and a 429 slows every caller of the model.
    """
    config = settings()
    attempts, backoff = config.gemini_429_attempts, config.gemini_backoff_s
    quota = limiter.quota_for(model_id) if paced else ModelQuota()
    for attempt in range(1, attempts + 1):
        try:
            await _take_turn(model_id, quota, deadline)
            return await call()
        except errors.ClientError as exc:
            if exc.code != 429 or attempt == attempts:
                raise classify(exc, model_id) from exc
            asked = retry_delay_s(exc)
            await limiter.record_429(model_id, quota, asked)
            delay = asked if asked is not None else min(60.0, backoff * 2 ** (attempt - 1))
            # Never earlier than asked; jitter spreads the lanes that were refused together.
            wait = delay + random.uniform(0, backoff / 2)
            if deadline is not None and time.monotonic() + wait > deadline:
                left = max(0.0, deadline - time.monotonic())
                raise TransientModelError(
                    f"rate limited ({exc.code} {exc.status}): the API asked to wait "
                    f"{delay:g} s, more than the {left:.1f} s left of this call's budget",
                    retry_after_s=asked,
                ) from exc
            log.info("%s: 429, retrying in %.2f s (attempt %d)", model_id, wait, attempt)
            lanes.note_wait(wait)  # refused by the quota: as much a wait as a late turn
            await asyncio.sleep(wait)
        except (ModelError, RetryLater):
            raise
        except Exception as exc:  # noqa: BLE001 - server errors, timeouts: mapped and raised
            raise classify(exc, model_id) from exc
    raise AssertionError("unreachable")


async def _take_turn(model_id: str, quota: ModelQuota, deadline: float | None) -> None:
    """Wait for the model's turn under its quota; a turn past the call's budget is that
    model's error now (as a 429 asking for too long a wait is)."""
    if deadline is not None and (quota.rpm or quota.tpm):
        left = deadline - time.monotonic()
        # Not asleep past the budget: the limiter's answer is checked before sleeping.
        delay = await limiter.wait_for_turn(model_id, quota, longest_s=max(0.0, left))
        if delay is None:
            lanes.note_wait(left)  # the quota had no turn for it: as contended as can be
            raise TransientModelError(
                f"{model_id}'s quota has no turn within the {left:.1f} s left of this "
                "call's budget (other jobs are using it)",
                retry_after_s=None,
            )
    else:
        delay = await limiter.wait_for_turn(model_id, quota)
    lanes.note_wait(delay or 0.0)  # an Auto job's lanes shrink while their calls wait
