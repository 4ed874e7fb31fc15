"""Provider ``local``: offline models and an offline judge, all answering from facts
measured with PyAV.

Nothing here is canned: every number, colour and timestamp in an answer or a verdict
comes from :func:`vidcompare.media.analysis.analyze_cached` run on the actual video.

=============  ===============================================================
module         its one job
=============  ===============================================================
intents        what a prompt asks about (cuts, colour, motion... or a summary)
facts          a video's measured facts, loaded once, and the words for levels
wording        how times, lists and counts are written
colours        colour families: one CIE Lab rule for measured colours and colour words
models         ``local-scenes`` and ``local-motion-colour`` writing their answers
claims         what an answer claims, read from its text
checks         one answer's claims checked against the facts
judge          ``local-rubric``: the checks weighed into scores and a verdict
=============  ===============================================================
"""

from __future__ import annotations

from vidcompare.providers.local.judge import LocalRubricJudge
from vidcompare.providers.local.models import LocalMotionColourModel, LocalScenesModel
from vidcompare.providers.registry import Registry

__all__ = ["LocalMotionColourModel", "LocalRubricJudge", "LocalScenesModel", "register"]


def register(registry: Registry) -> None:
    """Add the offline models and judge to ``registry``."""
    registry.add_model(LocalScenesModel())
    registry.add_model(LocalMotionColourModel())
    registry.add_judge(LocalRubricJudge())
