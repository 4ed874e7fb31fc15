"""A video's measured facts, as the offline models and judge load them, and the
thresholds that put words on them (still, strong motion, silent)."""

from __future__ import annotations

import asyncio

from vidcompare.errors import PermanentModelError
from vidcompare.media.analysis import VideoFacts, analyze_cached
from vidcompare.providers.base import VideoSource

# Thresholds on the mean absolute frame difference (0-1) used to name motion levels.
MOTION_LEVELS = ((0.001, "still"), (0.01, "slight motion"), (0.04, "moderate motion"))
STRONG_MOTION = "strong motion"
STILL_BELOW = MOTION_LEVELS[0][0]
# A second (or a whole track) at or below this RMS level is silence.
SILENT_DBFS = -60.0


def motion_level(motion: float) -> str:
    for limit, name in MOTION_LEVELS:
        if motion < limit:
            return name
    return STRONG_MOTION


async def facts_for(video: VideoSource) -> VideoFacts:
    """Measured facts for ``video``, decoded at most once per process (cached by sha256)."""

    def load() -> VideoFacts:
        return analyze_cached(video.local_path(), video.sha256)

    try:
        # local_path() may download and analysis decodes: both block, so use a thread.
        return await asyncio.to_thread(load)
    except ValueError as exc:
        raise PermanentModelError(f"video {video.video_id} could not be analysed: {exc}") from exc
