"""Evaluation of synthetic data: fidelity (sdmetrics-compatible), utility, detection and privacy.

``evaluate(real, synthetic, ...)`` returns a :class:`Report`; the metric functions of each family live in
:mod:`.marginal`, :mod:`.joint`, :mod:`.utility`, :mod:`.detection` and :mod:`.privacy`.
"""

from ._evaluate import evaluate
from .detection import detection, detection_score
from .joint import column_pair_trends, contingency_similarity, correlation_similarity
from .marginal import (
    category_coverage,
    column_shapes,
    ks_complement,
    missing_value_similarity,
    range_coverage,
    tv_complement,
)
from .privacy import privacy
from .report import Report
from .sequence_report import SequenceReport, evaluate_sequences
from .utility import ml_utility

__all__ = [
    "Report",
    "SequenceReport",
    "category_coverage",
    "column_pair_trends",
    "column_shapes",
    "contingency_similarity",
    "correlation_similarity",
    "detection",
    "detection_score",
    "evaluate",
    "evaluate_sequences",
    "ks_complement",
    "missing_value_similarity",
    "ml_utility",
    "privacy",
    "range_coverage",
    "tv_complement",
]
