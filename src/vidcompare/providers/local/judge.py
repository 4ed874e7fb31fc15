"""``local-rubric``: scores anonymous answers against facts it measures itself.

Each answer's checkable claims (times, counts, colours, resolution, frame rate,
loudness) are checked (see :mod:`.checks`); the rubric weighs coverage, relevance,
specificity and length, and accuracy scales the whole. Deterministic.

An answer is first of all judged on whether it answers: one that answers none of the
topics the prompt is about (a refusal, an empty or off-topic answer) scores at most
:data:`NON_ANSWER_MAX`, whatever else it gets right; one answering some of them is
capped in proportion; and an answer whose checkable claims are all right scores above
every non-answer.
"""

from __future__ import annotations

from vidcompare.media.analysis import VideoFacts
from vidcompare.providers.base import AnonymousAnswer, Judge, LabelVerdict, Verdict, VideoSource
from vidcompare.providers.local.checks import Assessment, assess
from vidcompare.providers.local.facts import facts_for
from vidcompare.providers.local.intents import TOPIC_NAMES, detect_intents, primary_topics
from vidcompare.providers.local.models import PROVIDER
from vidcompare.providers.local.wording import join_words, plural

# Weights of the rubric's parts; accuracy then scales the whole (see _score).
W_COVERAGE, W_RELEVANCE, W_SPECIFICITY, W_LENGTH = 0.45, 0.30, 0.15, 0.10
# The best score for an answer that answers none of what the prompt is about.
NON_ANSWER_MAX = 3
# The most claims the reasoning spells out (the rest are counted).
REASONING_CLAIMS = 8


def _score(a: Assessment) -> int:
    """1-10. Accuracy scales everything: a detailed but wrong answer must not score well;
    then :func:`_answering_bounds` keeps non-answers below answers."""
    # Facts of a topic that only groups the question ("each scene") count half.
    weights = [1.0 if e.topic in a.asked or "summary" in a.asked else 0.5 for e in a.expected]
    found = sum(w * e.found for w, e in zip(weights, a.expected, strict=True))
    coverage = found / sum(weights) if a.expected else 0.5
    accuracy = a.correct / len(a.checks) if a.checks else 0.5
    quality = (
        W_COVERAGE * coverage
        + W_RELEVANCE * a.relevance
        + W_SPECIFICITY * a.specificity
        + W_LENGTH * a.length
    )
    total = quality * (0.25 + 0.75 * accuracy)
    low, high = _answering_bounds(a)
    return max(low, min(high, round(1 + 9 * total)))


def _answering_bounds(a: Assessment) -> tuple[int, int]:
    """The score range allowed by how much of the question is answered: at most
    NON_ANSWER_MAX for none of it, up to 10 for all of it; an answer with right claims
    and no wrong ones starts above every non-answer."""
    if not a.asked:
        return (1, 10)
    share = len(a.answered) / len(a.asked)
    high = NON_ANSWER_MAX + int((10 - NON_ANSWER_MAX) * share)
    low = NON_ANSWER_MAX + 1 if a.answered and a.correct and not a.wrong else 1
    return (low, high)


def _verdict_for(a: Assessment, topics: str) -> LabelVerdict:
    strengths = [c.message for c in a.checks if c.ok][:6]
    if a.timestamps >= 2 and a.correct >= a.wrong:
        strengths.append(f"Gives {a.timestamps} specific timestamps.")
    weaknesses = [c.message for c in a.checks if not c.ok][:6]
    weaknesses += [e.missing for e in a.expected if e.found < 0.5]
    weaknesses += a.notes
    if not a.checks:
        weaknesses.append("Makes no concrete claim that could be checked against the video.")
    reasoning = f"The prompt asks about {topics}. {_answering(a)} {_claims_checked(a)}"
    if a.expected:
        covered = sum(e.found for e in a.expected)
        facts = "fact" if len(a.expected) == 1 else "facts"
        reasoning += f" It states {covered:.3g} of the {len(a.expected)} {facts} asked for."
    return LabelVerdict(
        label=a.label,
        score=a.score,
        reasoning=reasoning,
        strengths=strengths,
        weaknesses=weaknesses,
    )


def _answering(a: Assessment) -> str:
    """Whether the answer answers what the prompt is about, and what that does to its score."""
    unanswered = [t for t in a.asked if t not in a.answered]
    if not unanswered:
        return "It answers the question."
    missing = join_words([TOPIC_NAMES[t] for t in unanswered])
    how = f' (it declines: "{a.refusal} ...")' if a.refusal else ""
    cap = _answering_bounds(a)[1]
    return f"It gives no answer on {missing}{how}, so it can score at most {cap}/10."


def _claims_checked(a: Assessment) -> str:
    """Which claims were checked against the measurements, and how each came out."""
    if not a.checks:
        return "It makes no claim that can be checked against the video."
    shown = [f"{'right' if c.ok else 'wrong'}: {c.message}" for c in a.checks]
    more = len(shown) - REASONING_CLAIMS
    listed = " ".join(shown[:REASONING_CLAIMS]) + (f" (and {more} more)" if more > 0 else "")
    return (
        f"Checked {plural(len(a.checks), 'claim')}, {a.correct} right and {a.wrong} wrong. {listed}"
    )


def _overall(assessments: list[Assessment]) -> str:
    if not assessments:
        return "There were no answers to judge."
    ranked = sorted(assessments, key=lambda a: (-a.score, a.label))
    best = ranked[0]
    ties = [a.label for a in ranked if a.score == best.score]
    if len(ties) == len(ranked) and len(ranked) > 1:
        head = f"{join_words(ties)} tie at {best.score}/10."
    elif len(ties) > 1:
        head = f"{join_words(ties)} share the top score ({best.score}/10)."
    else:
        head = f"{best.label} is best with {best.score}/10: {_brief(best)}."
    rest = [f"{a.label} scores {a.score}/10 ({_brief(a)})" for a in ranked if a.label not in ties]
    return head + (" " + "; ".join(rest) + "." if rest else "")


def _brief(a: Assessment) -> str:
    if not a.checks:
        return "no checkable claims"
    if a.wrong == 0:
        return f"all {plural(a.correct, 'checked claim')} are right"
    return f"{plural(a.correct, 'claim')} right and {a.wrong} wrong"


class LocalRubricJudge(Judge):
    """Scores anonymous answers against facts it measures itself; deterministic."""

    judge_id = "local-rubric"
    display_name = "Local Rubric Judge"
    provider = PROVIDER
    offline = True

    async def judge(
        self, video: VideoSource, prompt: str, answers: list[AnonymousAnswer]
    ) -> Verdict:
        facts = await facts_for(video)
        return self.evaluate(facts, prompt, answers)

    def evaluate(self, facts: VideoFacts, prompt: str, answers: list[AnonymousAnswer]) -> Verdict:
        intents = detect_intents(prompt)
        topics = join_words([TOPIC_NAMES[t] for t in sorted(intents)])
        primary = primary_topics(prompt, intents)
        assessments = [assess(facts, intents, answer, primary) for answer in answers]
        for a in assessments:
            a.score = _score(a)
        return Verdict(
            evaluations=[_verdict_for(a, topics) for a in assessments],
            overall_summary=_overall(assessments),
        )
