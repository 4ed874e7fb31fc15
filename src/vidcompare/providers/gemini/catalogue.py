"""The Gemini models this server can use: the live catalogue, with a dated fallback.

Model ids rot (``gemini-3-pro-preview`` was shut down on 2026-03-09), so nothing here
hard-codes which models exist. The catalogue asks the API (``models.list``) and keeps the
answer per instance for ``catalogue_ttl_s``; a model missing from it is asked about on its
own (``models.get``, again after ``catalogue_recheck_s``): released this morning, or
missing from Vertex AI's list, which is incomplete. A failed refresh keeps the last good
list.
The list shipped in :mod:`.known` adds what the API does not say (shutdown dates and
successors) and stands in, marked as such, when the API cannot be asked.

====================================  ==============================================
the catalogue                         a batch naming a Gemini model
====================================  ==============================================
the API's list ("api")                runs if the API offers it for video, else 400
                                      naming the field and the successor when known
the API unreachable ("fallback")      runs if the shipped list has it and it is not
                                      past its shutdown date
no key / project, or refused ("none")  400: Gemini is unavailable here, and why
====================================  ==============================================
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from google import genai
from google.genai import errors, types

from vidcompare.config import settings
from vidcompare.errors import InvalidRequest, PermanentModelError, ProviderNotConfigured
from vidcompare.prices import price_change, price_of
from vidcompare.providers.gemini import known
from vidcompare.providers.gemini.calls import classify
from vidcompare.providers.gemini.sdk import backend, genai_client
from vidcompare.schemas import ModelInfo, ProviderStatus

PROVIDER = "gemini"

log = logging.getLogger(__name__)

# Ids the API lists for generateContent that cannot answer about a video.
NOT_FOR_VIDEO = re.compile(
    r"image|tts|embedding|-live|native-audio|audio|computer-use|robotics|aqa|imagen|veo|lyria"
)
TIERS = {"flash": 1, "flash-lite": 2}  # Pro and other names (Gemini 4's "argon"): 0


@dataclass(frozen=True)
class Offered:
    """One model as the catalogue knows it."""

    model_id: str
    display_name: str
    description: str | None = None
    input_token_limit: int | None = None
    output_token_limit: int | None = None
    video: bool = True  # answers about a video (is offered for batches)
    shutdown_date: dt.date | None = None
    successor: str | None = None
    deprecated: bool = False

    @property
    def sort_key(self) -> tuple:
        """Current before deprecated, pinned before aliases, newest first, Pro before
        Flash before Flash-Lite, stable before preview."""
        name = known.parse(self.model_id)
        tier = TIERS.get(name.tier or "", 0) if name.version is not None else 3
        return (
            self.deprecated,
            name.alias,
            -(name.version or 0.0),
            tier,
            name.preview,
            self.model_id,
        )

    def info(self) -> ModelInfo:
        """As ``GET /api/models`` lists it, priced."""
        until, later = price_change(self.model_id) or (None, None)
        return ModelInfo(
            model_id=self.model_id,
            display_name=self.display_name,
            provider=PROVIDER,
            offline=False,
            description=self.description,
            input_token_limit=self.input_token_limit,
            output_token_limit=self.output_token_limit,
            price=price_of(self.model_id),
            price_until=until,
            next_price=later,
            deprecated=self.deprecated,
            shutdown_date=self.shutdown_date,
            successor=self.successor,
        )

    @property
    def is_stable_flash(self) -> bool:
        name = known.parse(self.model_id)
        return name.tier == "flash" and not name.preview and not name.alias


@dataclass(frozen=True)
class Snapshot:
    """One answer of the catalogue: what is offered, where it came from, when."""

    offered: dict[str, Offered]  # every model listed, by id (``video``: may run)
    source: str  # "api" | "fallback" | "none"
    backend: str | None
    fetched_at: dt.datetime
    message: str | None = None  # why "none" or "fallback"
    taken: float = field(default=0.0, compare=False)  # monotonic time of the answer

    @property
    def available(self) -> bool:
        return self.source != "none"

    @property
    def video_models(self) -> list[Offered]:
        return sorted((m for m in self.offered.values() if m.video), key=lambda m: m.sort_key)


Lister = Callable[[], tuple[list[types.Model], str]]
Getter = Callable[[str], types.Model | None]


def list_from_api(client: genai.Client | None = None) -> tuple[list[types.Model], str]:
    """Every base model the key or project can see (the instance's client by default),
    and the backend."""
    client = client or genai_client()
    quick = types.HttpOptions(
        timeout=10_000, retry_options=types.HttpRetryOptions(attempts=2, initial_delay=0.5)
    )
    config = types.ListModelsConfig(page_size=1000, query_base=True, http_options=quick)
    return list(client.models.list(config=config)), backend(client)


def get_from_api(model_id: str, client: genai.Client | None = None) -> types.Model | None:
    """models.get of one id; None when the API does not know it."""
    client = client or genai_client()
    try:
        return client.models.get(model=model_id)
    except errors.ClientError as exc:
        if exc.code in (400, 404):
            return None
        raise


def _lifecycle(model_id: str, description: str | None) -> dict:
    """Deprecated when the shipped list or the API's description says so."""
    entry = known.BY_ID.get(model_id)
    said = bool(description and re.search(r"\bdeprecat", description, re.IGNORECASE))
    return {
        "shutdown_date": entry.shutdown if entry else None,
        "successor": entry.successor if entry else None,
        "deprecated": (entry.deprecated if entry else False) or said,
    }


def from_api(models: list[types.Model]) -> dict[str, Offered]:
    offered = {}
    for model in models:
        model_id = (model.name or "").rsplit("/", 1)[-1]
        if not model_id:
            continue
        actions = model.supported_actions
        entry = known.BY_ID.get(model_id)
        # Listed, but only for embeddings, speech, images, ...: named as such when asked for.
        video = (
            model_id.startswith("gemini-")
            and not NOT_FOR_VIDEO.search(model_id)
            and (actions is None or "generateContent" in actions)
        )
        offered[model_id] = Offered(
            model_id=model_id,
            display_name=model.display_name or display_name(model_id),
            description=model.description,
            input_token_limit=model.input_token_limit,
            output_token_limit=model.output_token_limit,
            video=entry.video if entry else video,
            **_lifecycle(model_id, model.description),
        )
    return offered


def from_fallback(today: dt.date) -> dict[str, Offered]:
    """The shipped list's models that have not reached their shutdown date."""
    return {
        m.model_id: Offered(
            model_id=m.model_id,
            display_name=m.display_name,
            input_token_limit=m.input_token_limit,
            output_token_limit=m.output_token_limit,
            video=m.video,
            **_lifecycle(m.model_id, None),
        )
        for m in known.MODELS
        if m.shutdown is None or m.shutdown > today
    }


def display_name(model_id: str) -> str:
    """A model's name when no list has it: "gemini-3.1-pro-preview" -> "Gemini 3.1 Pro
    Preview"."""
    if entry := known.BY_ID.get(model_id):
        return entry.display_name
    words = model_id.removeprefix("gemini-").replace("-", " ").split()
    return "Gemini " + " ".join(w if w[0].isdigit() else w.capitalize() for w in words)


class Catalogue:
    """The live catalogue of one instance (thread-safe).

    One thread asks the API at a time, outside the lock, while the others keep using
    the answer they have. A failed refresh keeps the last good list (said to be stale);
    only a catalogue that never had one falls back to the shipped list.
    """

    def __init__(
        self,
        lister: Lister = list_from_api,
        *,
        getter: Getter | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
        ttl_s: float | None = None,
        recheck_s: float | None = None,
    ) -> None:
        self._lister, self._getter = lister, getter or get_from_api
        self._clock, self._today = clock, today
        self._ttl = settings().catalogue_ttl_s if ttl_s is None else ttl_s
        self._recheck = settings().catalogue_recheck_s if recheck_s is None else recheck_s
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._expires = 0.0
        self._refreshing = False
        self._asked: dict[str, float] = {}  # model id -> when models.get last said no

    def snapshot(self) -> Snapshot:
        with self._lock:
            current = self._snapshot
            if current is not None and (self._clock() < self._expires or self._refreshing):
                return current  # fresh, or another thread is asking: use what we have
            self._refreshing = True
        try:
            fetched, expires = self._fetch(current)
        finally:
            with self._lock:
                self._refreshing = False
        with self._lock:
            self._snapshot, self._expires = fetched, expires
        return fetched

    def _fetch(self, previous: Snapshot | None) -> tuple[Snapshot, float]:
        now, today = self._clock(), self._today()
        stamp = dt.datetime.now(dt.UTC)
        try:
            models, used = self._lister()
        except ProviderNotConfigured as exc:
            return Snapshot({}, "none", None, stamp, exc.message, now), now + self._ttl
        except Exception as exc:  # noqa: BLE001 - every failure has a defined answer below
            error = classify(exc, what="models.list")
            if isinstance(error, PermanentModelError):  # the key or project is refused
                message = f"models.list failed: {error.message}"
                return Snapshot({}, "none", None, stamp, message, now), now + self._recheck
            log.warning("Gemini models.list failed: %s", error.message)
            if previous is not None and previous.source == "api":
                stale = (
                    f"the list from {previous.fetched_at:%Y-%m-%d %H:%M} UTC (stale: "
                    f"models.list failed: {error.message})"
                )
                return replace(previous, message=stale), now + self._recheck
            message = (
                f"the Gemini API could not be asked ({error.message}); using the list "
                f"shipped with vidcompare, as of {known.AS_OF.isoformat()}"
            )
            snapshot = Snapshot(from_fallback(today), "fallback", None, stamp, message, now)
            return snapshot, now + self._recheck
        return Snapshot(from_api(models), "api", used, stamp, None, now), now + self._ttl

    def _ask_about(self, model_id: str) -> Offered | None:
        """models.get for one id the list lacks (released since; or a Vertex AI list,
        which is incomplete); asked again for the same id only after the recheck time."""
        now = self._clock()
        with self._lock:
            if now - self._asked.get(model_id, -self._recheck) < self._recheck:
                return None
            self._asked[model_id] = now
        try:
            model = self._getter(model_id)
        except Exception as exc:  # noqa: BLE001 - the list's answer stands
            log.info("models.get %s failed: %s", model_id, exc)
            return None
        found = from_api([model]).get(model_id) if model is not None else None
        if found is not None:
            with self._lock:
                if self._snapshot is not None:
                    offered = self._snapshot.offered | {model_id: found}
                    self._snapshot = replace(self._snapshot, offered=offered)
                self._asked.pop(model_id, None)
        return found

    def require(self, model_id: str, *, field: str) -> ModelInfo:
        """The offered video model ``model_id``, or a 400 naming ``field`` and what to use."""
        snapshot = self.snapshot()
        if not snapshot.available:
            entry = known.BY_ID.get(model_id)
            if entry and entry.shutdown and entry.shutdown <= self._today():
                gone = f"{model_id} was shut down on {entry.shutdown}"
                use = f" (use {entry.successor})" if entry.successor else ""
                raise InvalidRequest.for_field(
                    field, f"{gone}{use}; besides, Gemini is unavailable here: {snapshot.message}"
                )
            raise InvalidRequest.for_field(
                field, f"{model_id} needs Gemini, which is unavailable here: {snapshot.message}"
            )
        found = snapshot.offered.get(model_id)
        if found is None and snapshot.source == "api" and model_id.startswith("gemini-"):
            found = self._ask_about(model_id)
        if found is None:
            raise InvalidRequest.for_field(field, self._not_offered(model_id, snapshot))
        if not found.video:
            raise InvalidRequest.for_field(
                field,
                f"{model_id} is offered by the Gemini API but cannot answer about a video; "
                f"video models: {_some(snapshot.video_models)}",
            )
        return found.info()

    def _not_offered(self, model_id: str, snapshot: Snapshot) -> str:
        where = (
            "the Gemini API"
            if snapshot.source == "api"
            else f"the list shipped with vidcompare (as of {known.AS_OF.isoformat()}; "
            "the API could not be asked)"
        )
        entry = known.BY_ID.get(model_id)
        shut = ""
        if entry and entry.shutdown:
            past = entry.shutdown <= self._today()
            shut = f" ({'shut down' if past else 'shutdown announced for'} {entry.shutdown})"
        message = f"{model_id} is not offered by {where}{shut}"
        if successor := self._offered_successor(model_id, snapshot):
            return f"{message}; use {successor} instead"
        videos = [m.model_id for m in snapshot.video_models]
        close = difflib.get_close_matches(model_id, videos, n=1, cutoff=0.85)
        if close:
            return f"{message}; did you mean {close[0]}?"
        return f"{message}; offered video models: {_some(snapshot.video_models)}"

    @staticmethod
    def _offered_successor(model_id: str, snapshot: Snapshot) -> str | None:
        """The first offered model down the chain of replacements, preferring one that
        is not deprecated itself (gemini-3-flash-preview -> 3.5 Flash -> 3.6 Flash)."""
        chain, current = [], model_id
        while (
            (entry := known.BY_ID.get(current)) and entry.successor and entry.successor not in chain
        ):
            current = entry.successor
            chain.append(current)
        offered = [snapshot.offered[m] for m in chain if m in snapshot.offered]
        offered = [m for m in offered if m.video]
        current_ones = [m for m in offered if not m.deprecated]
        best = current_ones or offered
        return best[0].model_id if best else None

    def listing(self) -> tuple[ProviderStatus, list[ModelInfo]]:
        """The provider's status and its video models, best first, priced."""
        snapshot = self.snapshot()
        status = ProviderStatus(
            provider=PROVIDER,
            available=snapshot.available,
            source=snapshot.source,
            backend=snapshot.backend,
            fetched_at=snapshot.fetched_at,
            fallback_as_of=known.AS_OF if snapshot.source == "fallback" else None,
            message=snapshot.message,
        )
        return status, [m.info() for m in snapshot.video_models]

    def default_judge(self, configured: str) -> str | None:
        """The configured judge if it is offered, else the newest current Flash model
        (fast, cheap, strong enough to grade), else the first current video model."""
        snapshot = self.snapshot()
        if not snapshot.available:
            return None
        videos = snapshot.video_models
        if configured:
            if configured in snapshot.offered and snapshot.offered[configured].video:
                return configured
            log.warning("VIDCOMPARE_GEMINI_JUDGE=%s is not offered; choosing one", configured)
        current = [m for m in videos if not m.deprecated and not m.model_id.endswith("-latest")]
        for model in current:
            if model.is_stable_flash:
                return model.model_id
        return current[0].model_id if current else (videos[0].model_id if videos else None)


def _some(models: list[Offered], n: int = 6) -> str:
    ids = [m.model_id for m in models]
    return ", ".join(ids[:n]) + (f" and {len(ids) - n} more" if len(ids) > n else "")


@functools.cache
def catalogue() -> Catalogue:
    """The instance's catalogue."""
    return Catalogue()
