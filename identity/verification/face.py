"""Face comparison: a pluggable matcher over face templates (fixed-length float vectors).

The phone's sensor produces a template and a liveness answer; the registry holds the reference
template of the card holder. `CosineMatcher` accepts when the cosine similarity of the two reaches
the configured threshold. Another matcher (a vendor's SDK, say) plugs in behind `FaceMatcher`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TEMPLATE_SIZE = 128
MAX_COMPONENT = 1e3  # templates are unit-scale vectors; anything huge is not a face template


class TemplateInvalid(ValueError):
    pass


@dataclass(frozen=True)
class FaceDecision:
    matched: bool
    score: float


class FaceMatcher(Protocol):
    def compare(self, probe: Sequence[float], reference: Sequence[float]) -> FaceDecision: ...


def check_template(values: Sequence[float], size: int = TEMPLATE_SIZE) -> None:
    if len(values) != size:
        raise TemplateInvalid(f"a face template has {size} values, not {len(values)}")
    if not all(math.isfinite(v) and abs(v) <= MAX_COMPONENT for v in values):
        raise TemplateInvalid(f"a face template holds finite numbers within ±{MAX_COMPONENT:g}")
    if not any(values):
        raise TemplateInvalid("a face template cannot be all zeros")


def _unit(values: Sequence[float]) -> list[float]:
    # Scale by the largest component first, so tiny or large values neither under- nor
    # overflow when squared.
    scale = max(abs(v) for v in values)
    scaled = [v / scale for v in values]
    norm = math.sqrt(math.fsum(v * v for v in scaled))
    return [v / norm for v in scaled]


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(_unit(a), _unit(b), strict=True))


@dataclass(frozen=True)
class CosineMatcher:
    threshold: float = 0.5

    def compare(self, probe: Sequence[float], reference: Sequence[float]) -> FaceDecision:
        check_template(probe)
        check_template(reference)
        score = cosine_similarity(probe, reference)
        return FaceDecision(matched=score >= self.threshold, score=score)


@dataclass(frozen=True)
class ErrorRates:
    threshold: float
    genuine: int
    impostor: int
    false_rejects: int
    false_accepts: int

    @property
    def frr(self) -> float:
        return self.false_rejects / self.genuine if self.genuine else 0.0

    @property
    def far(self) -> float:
        return self.false_accepts / self.impostor if self.impostor else 0.0


def error_rates(
    matcher: FaceMatcher, trials: Sequence[tuple[Sequence[float], Sequence[float], bool]]
) -> ErrorRates:
    """FAR and FRR over (probe, reference, is_genuine) trials."""
    threshold = getattr(matcher, "threshold", float("nan"))
    genuine = impostor = false_rejects = false_accepts = 0
    for probe, reference, is_genuine in trials:
        matched = matcher.compare(probe, reference).matched
        if is_genuine:
            genuine += 1
            false_rejects += not matched
        else:
            impostor += 1
            false_accepts += matched
    return ErrorRates(threshold, genuine, impostor, false_rejects, false_accepts)
