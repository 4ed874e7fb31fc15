"""Which (video, prompt) a combination index stands for.

A plan is stored once in the job document and never changes. The cross product
keeps the seed's order (for each video, each prompt); explicit ``pairs`` keep theirs.
Videos and prompts are stored once each, pairs as indexes into them, so the job
document stays small for 10,000 combinations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vidcompare.schemas import BatchRequest


@dataclass(frozen=True)
class Plan:
    video_ids: list[str]
    prompts: list[str]
    pairs: list[tuple[int, int]] | None  # None: the cross product

    @classmethod
    def from_request(cls, request: BatchRequest) -> Plan:
        if request.pairs is None:
            return cls(_distinct(request.video_ids), _distinct(request.prompts), None)
        video_ids = _distinct([p.video_id for p in request.pairs])
        prompts = _distinct([p.prompt for p in request.pairs])
        video_at = {v: i for i, v in enumerate(video_ids)}
        prompt_at = {p: i for i, p in enumerate(prompts)}
        pairs = [(video_at[p.video_id], prompt_at[p.prompt]) for p in request.pairs]
        return cls(video_ids, prompts, pairs)

    @property
    def total(self) -> int:
        if self.pairs is not None:
            return len(self.pairs)
        return len(self.video_ids) * len(self.prompts)

    def combination(self, index: int) -> tuple[str, str]:
        if not 0 <= index < self.total:
            raise IndexError(f"combination {index} is outside 0..{self.total - 1}")
        if self.pairs is not None:
            video_at, prompt_at = self.pairs[index]
        else:
            video_at, prompt_at = divmod(index, len(self.prompts))
        return self.video_ids[video_at], self.prompts[prompt_at]

    def to_doc(self) -> dict[str, Any]:
        # Firestore arrays cannot hold arrays, so a pair is a small map.
        pairs = None if self.pairs is None else [{"v": v, "p": p} for v, p in self.pairs]
        return {"video_ids": self.video_ids, "prompts": self.prompts, "pairs": pairs}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Plan:
        pairs = doc.get("pairs")
        return cls(
            list(doc["video_ids"]),
            list(doc["prompts"]),
            None if pairs is None else [(p["v"], p["p"]) for p in pairs],
        )


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
