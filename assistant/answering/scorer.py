"""The learned unit scorer over :data:`features.FEATURES`: gradient-boosted trees (LightGBM)
or a logistic regression; the question-level models on top of it are logistic.

The weights live in a small versioned JSON file beside this module (``scorer.json``), the
trees in LightGBM's own text format beside it (``scorer.trees.txt``, its SHA-256 in the
JSON), both rebuilt by ``python -m evals.train`` from the gold quotes of the question sets in
``evals/``. The file names the features it was fitted on; a changed feature list or trees
file fails loudly here instead of scoring with misaligned weights.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.features import FEATURES

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")
_TREES_LOCK = threading.Lock()


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
    trees: Any = None  # a lightgbm.Booster that replaces the logistic weights when given

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for the rows of ``x`` (one row per candidate)."""
        if x.ndim == 1:
            x = x[None, :]
        if self.trees is not None:
            # One thread: a question's ~100 rows are scored faster than threads start. One
            # call at a time: LightGBM's predictor set-up races on a shared booster (#6142).
            with _TREES_LOCK:
                return np.asarray(self.trees.predict(x, num_threads=1), dtype=np.float64)
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        blob: dict = {"features": list(self.features)}
        if self.trees is None:  # the logistic weights (trees are saved beside, by save())
            blob["mean"] = self.mean.round(6).tolist()
            blob["scale"] = self.scale.round(6).tolist()
            blob["coef"] = self.coef.round(6).tolist()
            blob["intercept"] = round(float(self.intercept), 6)
        blob |= {
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
        blob = self.to_json()
        if self.trees is not None:
            text = self.trees.model_to_string()
            trees = trees_file(path)
            trees.write_text(text, encoding="utf-8")
            blob["trees"] = {"sha256": _sha256(text)}
        path.write_text(json.dumps(blob, ensure_ascii=False, indent=1) + "\n", "utf-8")
        return path

    @classmethod
    def from_json(
        cls, blob: dict, features: tuple[str, ...] = FEATURES, weights: Path = WEIGHTS_FILE
    ) -> Scorer:
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
            mean=np.asarray(blob.get("mean", []), dtype=np.float64),
            scale=np.asarray(blob.get("scale", []), dtype=np.float64),
            coef=np.asarray(blob.get("coef", []), dtype=np.float64),
            intercept=float(blob.get("intercept", 0.0)),
            threshold=float(blob["threshold"]),
            near_miss=float(blob.get("near_miss", 0.0)),
            meta=dict(blob.get("meta", {})),
            section=section,
            answerable=answerable,
            trees=_load_trees(trees_file(weights), blob["trees"]) if "trees" in blob else None,
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Scorer:
        path = Path(path)
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), weights=path)


def trees_file(weights: Path) -> Path:
    """Where the trees of the weights file ``weights`` are kept (``scorer.trees.txt``)."""
    return weights.with_name(f"{weights.stem}.trees.txt")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load_trees(path: Path, ref: dict) -> Any:
    import lightgbm  # only where the shipped scorer is trees

    text = path.read_text(encoding="utf-8")
    if _sha256(text) != ref["sha256"]:
        raise ScorerMismatch(
            f"{path.name} is not the trees file the weights were saved with: "
            "run `python -m evals.train` to refit"
        )
    return lightgbm.Booster(model_str=text)
