"""A scikit-learn compatible estimator base that does not import scikit-learn.

Importing ``sklearn.base`` costs about a second of start-up (it pulls in scipy.stats,
scipy.sparse and pandas when installed), which a command-line calibration of half a
second cannot afford. The estimator contract needs only ``get_params``/``set_params``
and the parameter names read from ``__init__``: this is that part of
``sklearn.base.BaseEstimator``, so ``sklearn.base.clone``, grid searches and pipelines
work on the engine's estimators as before.
"""

from __future__ import annotations

import inspect
from typing import Any, Self


class BaseEstimator:
    """Parameters read from ``__init__``'s keyword arguments, as scikit-learn does."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        for p in parameters:
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(
                    f"{cls.__name__}.__init__ takes *args; estimators must name "
                    "every parameter"
                )
        return sorted(
            p.name for p in parameters if p.name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the estimator's parameters (and nested estimators' with ``deep``)."""
        out: dict[str, Any] = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params: Any) -> Self:
        """Set parameters, ``name__sub`` reaching into nested estimators."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            head, sep, sub = key.partition("__")
            if head not in valid:
                raise ValueError(
                    f"Invalid parameter {head!r} for estimator {type(self).__name__}; "
                    f"valid parameters are {sorted(self._get_param_names())}"
                )
            if sep:
                nested.setdefault(head, {})[sub] = value
            else:
                setattr(self, head, value)
                valid[head] = value
        for head, sub_params in nested.items():
            valid[head].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.default is not p.empty
        }
        changed = []
        for key in self._get_param_names():
            value = getattr(self, key, None)
            default = defaults.get(key, inspect.Parameter.empty)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and other objects without a plain ==
                same = False
            if not same:
                text = repr(value)
                changed.append(
                    f"{key}={text if len(text) <= 40 else text[:37] + '...'}"
                )
        return f"{type(self).__name__}({', '.join(changed)})"
