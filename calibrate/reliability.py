"""Fitting and reporting the attribute models: cross-validated accuracy and reliability."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.vision.linear import model_json

BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def reliability_table(confidence: NDArray[np.float64], correct: NDArray[np.bool_]) -> list[Any]:
    """Per confidence bin: how many answers, their mean confidence, and how many were right.

    A calibrated `rate` has `accuracy` close to `mean_rate` in every bin.
    """
    rows = []
    for low, high in itertools.pairwise(BINS):
        chosen = (confidence >= low) & (confidence < high)
        if chosen.any():
            rows.append(
                {
                    "rate": f"{low:.1f}-{min(high, 1.0):.1f}",
                    "answers": int(chosen.sum()),
                    "mean_rate": round(float(confidence[chosen].mean()), 3),
                    "accuracy": round(float(correct[chosen].mean()), 3),
                }
            )
    return rows


def cross_validated(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    c: float,
    *,
    balanced: bool = False,
    mirrored: NDArray[np.float64] | None = None,
    groups: list[str] | None = None,
) -> tuple[Pipeline, NDArray[np.float64]]:
    """5-fold cross-validated class probabilities, and the model fitted on everything.

    `balanced` weighs classes equally, for training sets far more lopsided than the photos
    the model will see. `mirrored` holds the features of each row's mirror image: they are
    added to the training rows (a face and its mirror image are the same face, so a fold
    never tests on the mirror of a face it trained on), never to the rows scored. `groups`
    (one name per row, e.g. the person) keeps each group inside one fold, so no fold is
    tested on a person it trained on.
    """
    regression = LogisticRegression(
        C=c, max_iter=5000, class_weight="balanced" if balanced else None
    )
    model = make_pipeline(StandardScaler(), regression)

    def fit(rows: NDArray[np.int_]) -> Pipeline:
        if mirrored is None:
            return clone(model).fit(features[rows], labels[rows])
        both = np.vstack([features[rows], mirrored[rows]])
        return clone(model).fit(both, np.concatenate([labels[rows], labels[rows]]))

    predicted = np.zeros((len(labels), int(labels.max()) + 1))
    if groups is None:
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(features, labels)
    else:
        folds = StratifiedGroupKFold(5, shuffle=True, random_state=0).split(
            features, labels, groups
        )
    for train, test in folds:
        predicted[test] = fit(train).predict_proba(features[test])
    return fit(np.arange(len(labels))), predicted


def shipped_json(
    model: Pipeline, classes: list[str], report: dict[str, Any], threshold: float = 0.5
) -> str:
    """A fitted scaler + logistic regression as the JSON `pipeline.vision.linear` reads."""
    scaler, regression = model[0], model[1]
    return model_json(
        classes,
        mean=scaler.mean_,
        scale=scaler.scale_,
        weights=regression.coef_,
        bias=regression.intercept_,
        report=report,
        threshold=threshold,
    )


def fit_and_report(
    features: NDArray[np.float64],
    labels: NDArray[np.int_],
    classes: list[str],
    c: float,
    about: dict[str, Any],
    *,
    balanced: bool = False,
    mirrored: NDArray[np.float64] | None = None,
    groups: list[str] | None = None,
) -> tuple[Pipeline, dict[str, Any]]:
    """The model fitted on everything, and its cross-validated accuracy and reliability."""
    model, predicted = cross_validated(
        features, labels, c, balanced=balanced, mirrored=mirrored, groups=groups
    )
    answer = predicted.argmax(axis=1)
    confidence = predicted.max(axis=1)
    correct = answer == labels
    report: dict[str, Any] = {
        **about,
        "samples": {name: int((labels == i).sum()) for i, name in enumerate(classes)},
        "cv_accuracy": round(float(correct.mean()), 4),
        "cv_recall": {
            name: round(float(correct[labels == i].mean()), 4) for i, name in enumerate(classes)
        },
        "cv_reliability": reliability_table(confidence, correct),
    }
    return model, report
