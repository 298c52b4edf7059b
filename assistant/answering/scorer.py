"""The learned unit scorer: a logistic regression over :data:`features.FEATURES`.

The weights live in a small versioned JSON file beside this module (``scorer.json``),
rebuilt by ``python -m evals.train`` from the gold quotes of the question sets in
``evals/``. The file names the features it was fitted on; a changed feature list fails
loudly here instead of scoring with misaligned weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.features import FEATURES

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")


class ScorerMismatch(RuntimeError):
    """The weights file was fitted on other features than the code computes."""


@dataclass
class Scorer:
    """Standardised features → probability that a unit (part of) answers the question."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # below this best-unit probability the question is refused
    near_miss: float  # … and when another document's unit is this much likelier
    meta: dict
    section: Scorer | None = None  # the section scorer of list and summary questions
    answerable: Scorer | None = None  # whether the documents answer the question at all

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for the rows of ``x`` (one row per candidate)."""
        if x.ndim == 1:
            x = x[None, :]
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        blob = {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6),
            "threshold": round(float(self.threshold), 4),
            "near_miss": round(float(self.near_miss), 4),
            "meta": self.meta,
        }
        if self.section is not None:
            blob["section"] = self.section.to_json()
        if self.answerable is not None:
            blob["answerable"] = self.answerable.to_json()
        return blob

    def save(self, path: Path = WEIGHTS_FILE) -> Path:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", "utf-8")
        return path

    @classmethod
    def from_json(cls, blob: dict, features: tuple[str, ...] = FEATURES) -> Scorer:
        names = tuple(blob["features"])
        if names != features:
            raise ScorerMismatch(
                f"scorer weights were fitted on {len(names)} features {names}, the code "
                f"computes {features}: run `python -m evals.train` to refit"
            )
        section = None
        if "section" in blob:
            from assistant.answering.sections import SECTION_FEATURES

            section = cls.from_json(blob["section"], SECTION_FEATURES)
        answerable = None
        if "answerable" in blob:
            from assistant.answering.answerability import ANSWER_FEATURES

            answerable = cls.from_json(blob["answerable"], ANSWER_FEATURES)
        return cls(
            features=names,
            mean=np.asarray(blob["mean"], dtype=np.float64),
            scale=np.asarray(blob["scale"], dtype=np.float64),
            coef=np.asarray(blob["coef"], dtype=np.float64),
            intercept=float(blob["intercept"]),
            threshold=float(blob["threshold"]),
            near_miss=float(blob.get("near_miss", 0.0)),
            meta=dict(blob.get("meta", {})),
            section=section,
            answerable=answerable,
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Scorer:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
