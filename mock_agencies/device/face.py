"""The simulated phone camera: face templates for genuine users, impostors and spoofs. Pure.

A genuine scan is the person's registry reference plus gaussian noise, renormalised. With noise
σ per component over 128 dimensions the expected cosine similarity to the reference is about
1/√(1 + 128σ²): a normal scan (σ 0.02–0.10) lands at 0.66–0.99, comfortably above a threshold
near 0.5; a poor scan (bad light, motion blur; 0.5% of scans, σ 0.16–0.32) lands at 0.25–0.48
and is rejected. So at a 0.5 threshold about 99.5% of genuine scans pass, never trivially all.

An impostor scan is someone else: most often another registered person's face (similarity to
the claimed reference ~N(0, 1/128), practically never near 0.5), sometimes an unregistered face
(a random template), and rarely (0.2%) a look-alike, a relative whose face is deliberately
0.25–0.55 similar, so that a false-accept rate is measurable rather than always zero.

Quality (0–1) falls with the noise, as a real sensor's image-quality score would.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from mock_agencies.dopa.population import FACE_TEMPLATE_DIMENSIONS, Population

NORMAL_NOISE = (0.02, 0.10)
POOR_SCAN_SHARE = 0.005
POOR_NOISE = (0.16, 0.32)
UNREGISTERED_FACE_SHARE = 0.3
LOOKALIKE_SHARE = 0.002
LOOKALIKE_SIMILARITY = (0.25, 0.55)


def normalised(vector: list[float]) -> list[float]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [x / norm for x in vector]


def cosine_similarity(a: list[float], b: list[float]) -> float:
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(math.fsum(x * x for x in a) * math.fsum(y * y for y in b))


@dataclass(frozen=True, slots=True)
class FaceScan:
    template: list[float]
    quality: float


class FaceSensor:
    """Draws scans from one seeded generator: the same seed and call sequence, the same scans."""

    def __init__(self, population: Population, seed: int) -> None:
        self.population = population
        self.rng = random.Random(f"mock-device-face|{seed}")  # noqa: S311 - simulation

    def _gaussian(self) -> list[float]:
        return [self.rng.gauss(0.0, 1.0) for _ in range(FACE_TEMPLATE_DIMENSIONS)]

    def _noisy(self, reference: list[float], poor: bool = False) -> FaceScan:
        sigma = self.rng.uniform(*(POOR_NOISE if poor else NORMAL_NOISE))
        noise = self._gaussian()
        template = normalised([r + sigma * n for r, n in zip(reference, noise, strict=True)])
        quality = 1.0 - 2.0 * sigma + self.rng.gauss(0.0, 0.015)
        return FaceScan(template, round(min(1.0, max(0.0, quality)), 3))

    def genuine(self, pid: str) -> FaceScan:
        """The registered person `pid` in front of the camera."""
        poor = self.rng.random() < POOR_SCAN_SHARE
        return self._noisy(self.population.face_template(pid), poor)

    def impostor(self, claimed_pid: str) -> FaceScan:
        """Someone other than `claimed_pid` (who need not be registered) in front of the camera."""
        roll = self.rng.random()
        if roll < LOOKALIKE_SHARE and claimed_pid in self.population:
            return self._lookalike(self.population.face_template(claimed_pid))
        if roll < LOOKALIKE_SHARE + UNREGISTERED_FACE_SHARE:
            return self._noisy(normalised(self._gaussian()))
        persons = self.population.persons
        while (other := persons[self.rng.randrange(len(persons))].pid) == claimed_pid:
            pass
        return self._noisy(self.population.face_template(other))

    def _lookalike(self, reference: list[float]) -> FaceScan:
        """A face whose cosine similarity to `reference` is drawn from LOOKALIKE_SIMILARITY."""
        similarity = self.rng.uniform(*LOOKALIKE_SIMILARITY)
        other = self._gaussian()
        along = math.fsum(o * r for o, r in zip(other, reference, strict=True))
        orthogonal = normalised([o - along * r for o, r in zip(other, reference, strict=True)])
        spread = math.sqrt(1.0 - similarity * similarity)
        template = [similarity * r + spread * o for r, o in zip(reference, orthogonal, strict=True)]
        return FaceScan(template, round(self.rng.uniform(0.75, 0.95), 3))
