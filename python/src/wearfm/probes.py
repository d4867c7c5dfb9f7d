"""Linear probes as scikit-learn estimators, fit and applied by the C core
(src/probe*.c; docs/probes.md): `LogisticProbe` and `RidgeProbe`.

They work in `Pipeline`, `cross_val_score`, `GroupKFold` and `clone`, and
`save()` writes the probe file that `wearfm probe fit` writes (the CLI, WASI
and the page read it). The penalty is the core's `l2` (lambda in
docs/probes.md, on standardised features): sklearn's
`LogisticRegression(C=c)` is `l2 = 1 / (c n)` and `Ridge(alpha=a)` is
`l2 = a / n`, n the training rows."""
from __future__ import annotations

import os
from typing import Dict, Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import _native
from .errors import ModelError

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(est, X="no_validation", y="no_validation", reset=True, **kw):
        return est._validate_data(X, y, reset=reset, **kw)

_TASKS = {"logistic": 0, "ridge": 1, "linear": 2}
METRICS = tuple(_native.metric_names())  # wfm_metric order
_METRIC_ID = {"auto": -1, **{m: k for k, m in enumerate(METRICS)}}


def class_name(label) -> str:
    """A label as the probe file names it: numbers as the CLI writes them
    (float32, %.9g, so 1 and 1.0 are one class), anything else as str()."""
    if isinstance(label, (bool, np.bool_)):
        return str(label)
    if isinstance(label, (int, float, np.integer, np.floating)):
        return "%.9g" % float(np.float32(label))
    return str(label)


def classes_from_names(names: Sequence[str]) -> np.ndarray:
    """The inverse of class_name for a loaded probe: numbers when all are."""
    try:
        values = np.array([float(n) for n in names])
    except ValueError:
        return np.array(names, dtype=object)
    return values.astype(np.int64) if np.all(values == np.round(values)) else values


class _Probe(BaseEstimator):
    """What both probes share: the core's fit, state for pickling, save/load."""

    _classifier = False

    def _task(self) -> str:
        raise NotImplementedError

    def _fit(self, X, labels, targets, groups, class_names):
        X = np.ascontiguousarray(X, dtype=np.float32)
        n, d = X.shape
        names = list(map(str, self.feature_names_in_)) if hasattr(self, "feature_names_in_") else None
        if self.cv_metric not in _METRIC_ID:
            raise ValueError(f"cv_metric must be one of {sorted(_METRIC_ID)}")
        handle = _native.probe_fit(
            X=X, n=n, d=d, labels=labels, targets=targets,
            groups=None if groups is None else np.ascontiguousarray(_group_ids(groups), np.int32),
            task=_TASKS[self._task()], lam=float(self.l2), balanced=bool(getattr(self, "balanced", False)),
            max_iter=int(self.max_iter), tol=float(self.tol), cv_lambda=bool(self.cv_lambda),
            lambdas=None if self.lambdas is None else [float(v) for v in self.lambdas],
            inner_folds=int(self.inner_folds), cv_metric=_METRIC_ID[self.cv_metric], seed=int(self.seed),
            n_classes=len(class_names) if class_names else 0, class_names=class_names, feature_names=names,
            model=None if self.model is None else self.model._handle, relative=bool(getattr(self, "relative", False)))
        self._set_fitted(handle)
        return self

    def _set_fitted(self, handle):
        self._probe = handle
        info = _native.probe_info(handle)
        q, d, w, b, mean, std = _native.probe_coefficients(handle)
        self.weight_ = np.frombuffer(w, np.float32).reshape(q, d).copy()  # standardised units
        self.bias_ = np.frombuffer(b, np.float32).copy()
        self.feature_mean_ = np.frombuffer(mean, np.float32).copy()
        self.feature_std_ = np.frombuffer(std, np.float32).copy()
        coef = self.weight_.astype(np.float64) / self.feature_std_
        self.coef_ = coef if self._classifier else coef[0]
        icpt = self.bias_.astype(np.float64) - coef @ self.feature_mean_.astype(np.float64)
        self.intercept_ = icpt if self._classifier else float(icpt[0])
        self.lambda_ = info["lambda"]
        self.n_iter_ = info["iterations"]
        self.converged_ = info["converged"]
        self.encoder_hash_ = info["encoder_hash"]
        self.features_relative_ = info["relative"]
        self.cv_scores_ = dict(zip(info["cv_lambdas"], info["cv_scores"])) if info["cv_lambdas"] else None
        self.n_features_in_ = info["n_features"]
        return info

    def _predict_native(self, X):
        check_is_fitted(self, "weight_")
        X = np.ascontiguousarray(_validate_data(self, X, reset=False, dtype=np.float32), dtype=np.float32)
        n = X.shape[0]
        info = _native.probe_info(self._probe)
        out = np.empty((n, info["n_outputs"]), np.float32)
        classes = np.empty(n, np.int32) if self._classifier else None
        _native.probe_predict(self._probe, None if self.model is None else self.model._handle, X, n, X.shape[1],
                              out, classes)
        return out, classes

    def evaluate(self, X, y) -> Dict[str, float]:
        """Every metric of the core on (X, y) (docs/probes.md; NaN where undefined)."""
        out, _ = self._predict_native(X)
        if self._classifier:
            y = np.asarray(y)
            index = {c: k for k, c in enumerate(self.classes_.tolist())}
            labels = np.array([index[v] for v in y.tolist()], np.int32)
            metrics = _native.probe_evaluate(self._probe, np.ascontiguousarray(X, np.float32), len(y),
                                             self.n_features_in_, labels, None)
        else:
            metrics = _native.probe_evaluate(self._probe, np.ascontiguousarray(X, np.float32), len(y),
                                             self.n_features_in_, None, np.ascontiguousarray(y, np.float32))
        return dict(zip(METRICS, metrics))

    def save(self, path) -> None:
        """Writes the probe file (safetensors, the CLI's format; docs/probes.md)."""
        check_is_fitted(self, "weight_")
        _native.probe_save(self._probe, os.fspath(path))

    @classmethod
    def load(cls, path, model=None):
        """Reads a probe file written by `save()`, `wearfm probe fit` or the page.
        `model`: the encoder to check predictions against (a bound probe and
        another encoder is a ModelError)."""
        return cls._from_handle(_native.probe_load(os.fspath(path)), model)

    @classmethod
    def _from_handle(cls, handle, model=None):
        info = _native.probe_info(handle)
        if (info["task"] == "logistic") != cls._classifier:
            raise ModelError(f"this is a {info['task']} probe; load it with "
                             f"{'LogisticProbe' if info['task'] == 'logistic' else 'RidgeProbe'}", 1)
        est = cls(l2=info["lambda"], model=model)
        if cls._classifier:
            est.balanced = info["balanced"]
            est.classes_ = classes_from_names(info["classes"])
        else:
            est.solver = "cholesky" if info["task"] == "ridge" else "lbfgs"
        if info["features"] is not None:
            est.feature_names_in_ = np.array(info["features"], dtype=object)
        est._set_fitted(handle)
        return est

    def __getstate__(self):
        state = self.__dict__.copy()
        if "_probe" in state:
            state["_probe"] = _native.probe_to_bytes(state["_probe"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("_probe"), bytes):
            state["_probe"] = _native.probe_from_bytes(state["_probe"])
        self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _group_ids(groups) -> np.ndarray:
    _, ids = np.unique(np.asarray(groups), return_inverse=True)
    return ids.reshape(-1)


def relative_features(X, groups, reference=None) -> np.ndarray:
    """Person-relative features (the core's wfm_features_relative, `wearfm
    probe fit --relative`): a float32 copy of X [n, d] in which every row of
    a group (e.g. one person) is standardised by that group's own mean and
    population std over its `reference` rows (a boolean mask, default all;
    no labels are used, so a person's unlabelled windows can serve). Fit a
    probe on the result with `relative=True` so its file says so
    (docs/probes.md, "Person-relative features")."""
    X = np.array(X, dtype=np.float32, order="C", copy=True)
    if X.ndim != 2:
        raise ValueError("X must be 2-D [n, d]")
    n, d = X.shape
    g = np.ascontiguousarray(_group_ids(groups), np.int32)
    if len(g) != n:
        raise ValueError(f"groups: {len(g)} values for {n} rows")
    ref = None if reference is None else np.ascontiguousarray(np.asarray(reference, bool).reshape(-1), np.int32)
    if ref is not None and len(ref) != n:
        raise ValueError(f"reference: {len(ref)} values for {n} rows")
    _native.features_relative(X, n, d, g, ref)
    return X


class LogisticProbe(ClassifierMixin, _Probe):
    """L2-penalised logistic regression on standardised features (binary
    sigmoid, or softmax for K > 2), fit by the core's L-BFGS.

    Parameters: `l2` the penalty lambda; `balanced` sklearn's
    class_weight='balanced'; `cv_lambda` chooses lambda among `lambdas`
    (default 1e-5 .. 10) by `inner_folds` inner folds scored by `cv_metric`
    (grouped by `fit(..., groups=)`); `max_iter`, `tol` the L-BFGS stopping
    rule; `seed` the fold shuffles; `model` a wearfm.Model whose embeddings X
    are, to bind the probe to that encoder; `relative` says that X holds
    person-relative features (relative_features), recorded in the file."""

    _classifier = True

    def __init__(self, l2: float = 1e-3, *, balanced: bool = False, cv_lambda: bool = False,
                 lambdas: Optional[Sequence[float]] = None, inner_folds: int = 5, cv_metric: str = "auto",
                 max_iter: int = 1000, tol: float = 1e-6, seed: int = 0, model=None, relative: bool = False):
        self.l2 = l2
        self.balanced = balanced
        self.cv_lambda = cv_lambda
        self.lambdas = lambdas
        self.inner_folds = inner_folds
        self.cv_metric = cv_metric
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.model = model
        self.relative = relative

    def _task(self):
        return "logistic"

    def fit(self, X, y, groups=None):
        """Fits on X [n, d] (finite) and class labels y (any values); `groups`
        (e.g. a person per row) only matter for the inner CV of cv_lambda."""
        X, y = _validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        return self._fit(X, np.ascontiguousarray(labels.reshape(-1), np.int32), None, groups,
                         [class_name(c) for c in self.classes_])

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities [n, n_classes], columns in `classes_` order."""
        return self._predict_native(X)[0]

    def predict_log_proba(self, X) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row (the first on ties)."""
        classes = self._predict_native(X)[1]  # checks fitted first
        return self.classes_[classes]


class RidgeProbe(RegressorMixin, _Probe):
    """L2-penalised least squares on standardised features: `solver`
    "cholesky" (the core's closed form, task "ridge") or "lbfgs" (task
    "linear", which also takes l2 = 0 on singular data). Other parameters as
    LogisticProbe."""

    def __init__(self, l2: float = 1e-3, *, solver: str = "cholesky", cv_lambda: bool = False,
                 lambdas: Optional[Sequence[float]] = None, inner_folds: int = 5, cv_metric: str = "auto",
                 max_iter: int = 1000, tol: float = 1e-6, seed: int = 0, model=None, relative: bool = False):
        self.l2 = l2
        self.solver = solver
        self.cv_lambda = cv_lambda
        self.lambdas = lambdas
        self.inner_folds = inner_folds
        self.cv_metric = cv_metric
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.model = model
        self.relative = relative

    def _task(self):
        if self.solver not in ("cholesky", "lbfgs"):
            raise ValueError("solver must be 'cholesky' (closed form) or 'lbfgs'")
        return "ridge" if self.solver == "cholesky" else "linear"

    def fit(self, X, y, groups=None):
        """Fits on X [n, d] and finite targets y [n]."""
        X, y = _validate_data(self, X, y, dtype=np.float32, y_numeric=True)
        return self._fit(X, None, np.ascontiguousarray(y, np.float32), groups, None)

    def predict(self, X) -> np.ndarray:
        return self._predict_native(X)[0][:, 0]


def load_probe(path, model=None):
    """A LogisticProbe or RidgeProbe from a probe file, whichever it holds."""
    handle = _native.probe_load(os.fspath(path))
    cls = LogisticProbe if _native.probe_info(handle)["task"] == "logistic" else RidgeProbe
    return cls._from_handle(handle, model)
