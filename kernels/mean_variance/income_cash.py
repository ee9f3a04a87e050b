"""The cash options of the income-target portfolios (issue 16): ``risk_free_asset`` and ``cash_weight``.

The same two options, with the same meaning, as the mean-variance optimisers (:mod:`kernels.risk_free.sleeve`):

* ``risk_free_asset=k`` alone: asset ``k`` is cash, riskless (its row and column of ``cov`` are ignored),
  an asset like the others within its own bounds, with its own yield and expected return;
* ``cash_weight=c``: cash is held at ``c`` and the risky assets share ``1 - c``. Every limit applies to
  the final weights, so the risky sleeve ``v`` (``w = c e_cash + (1 - c) v``) is solved exactly with

  - floors and caps ``lower / (1 - c)``, ``upper / (1 - c)`` (a cap above 1 is 1);
  - class caps ``(cap - c [cash in the class]) / (1 - c)``;
  - ``min_return`` ``(r - c mu_cash) / (1 - c)``, ``target_yield`` ``(t - c y_cash) / (1 - c)`` (a target
    cash alone pays is 0), ``max_volatility / (1 - c)``: yield, return and volatility of ``w`` are
    ``c y_cash + (1 - c) y'v``, ``c mu_cash + (1 - c) mu'v`` and ``(1 - c) sqrt(v'Cv)``.

  Without a cash asset in the inputs, cash earns nothing and the weights sum to ``1 - c``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._validate import as_bounds, as_rate, as_scalar, as_vector, check_fractions
from ..errors import InfeasibleError, InputError
from ..risk_free.sleeve import (
    as_cash_index,
    as_cash_weight,
    embed,
    riskless_cov,
    risky_cov,
    split_cash,
)


class IncomeCash(NamedTuple):
    """How an income optimiser treats the cash options.

    ``full_cov`` is set (and nothing else) when cash is a riskless asset with a free weight: solve the
    whole problem with it. Otherwise ``risky`` holds the risky sleeve's arguments (``cov``, ``yields``,
    and the keywords) and the rest puts the cash sleeve back.
    """

    full_cov: NDArray[np.float64] | None
    split: object = None
    risky: dict | None = None
    yields: NDArray[np.float64] | None = None  # every asset's yield (None without cov: max_attainable_yield)
    expected_returns: NDArray[np.float64] | None = None
    cash_yield: float = 0.0
    cash_return: float = 0.0

    @property
    def share(self) -> float:
        return 1.0 - self.split.cash_weight

    def sleeve_target(self, target: float) -> float:
        """A yield target of the whole portfolio as the risky sleeve's (0 when cash alone pays it)."""
        return max((target - self.split.cash_weight * self.cash_yield) / self.share, 0.0)

    def whole_yield(self, sleeve_yield: float) -> float:
        return self.split.cash_weight * self.cash_yield + self.share * sleeve_yield

    def weights(self, W: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sleeve weights (one portfolio or a row per portfolio) as weights of the whole."""
        W = np.asarray(W, dtype=np.float64)
        if W.ndim == 1:
            return embed(W, self.split)
        return np.stack([embed(w, self.split) for w in W]) if len(W) else np.zeros((0, self.split.n_assets))

    def returns(self, W: NDArray[np.float64]):
        mu = self.expected_returns
        if W.ndim == 1:
            return float(W @ mu) if mu is not None else float("nan")
        return W @ mu if mu is not None else np.full(len(W), np.nan)


def income_cash(cov, yields, expected_returns, min_return, lower, upper, classes, class_caps, risk_free_asset,
                cash_weight) -> IncomeCash | None:
    """The cash options checked and the risky sleeve's problem cut out; None when neither option is given.

    ``cov`` None (the linear programme :func:`~.income_targets.max_attainable_yield`) skips the covariance.
    """
    if risk_free_asset is None and cash_weight is None:
        return None
    y = as_vector(yields, "yields")
    n = y.size
    check_fractions(y, "yields", what="yields")
    k = as_cash_index(risk_free_asset, n)
    if cash_weight is None:
        return IncomeCash(None if cov is None else riskless_cov(cov, k))
    c = as_cash_weight(cash_weight)
    split = split_cash(n, k, c, float("nan"))
    mu = None if expected_returns is None else as_vector(expected_returns, "expected_returns", size=n)
    s = 1.0 - c
    lo = as_bounds(lower, n, "lower")[split.risky] / s
    hi = as_bounds(upper, n, "upper")[split.risky] / s
    if lo.sum() > 1.0 + 1e-12:
        raise InfeasibleError(f"cash_weight: {c:.4g} leaves {s:.4g} to the risky assets, below their floors "
                              f"({lo.sum() * s:.4g} in lower); lower cash_weight or the floors.")
    if hi.sum() < 1.0 - 1e-12:
        raise InfeasibleError(f"cash_weight: {c:.4g} leaves {s:.4g} to the risky assets, above their caps "
                              f"({hi.sum() * s:.4g} in upper); raise cash_weight or the caps.")
    risky = {"expected_returns": None if mu is None else mu[split.risky], "lower": lo, "upper": np.minimum(hi, 1.0)}
    cash_return = float(mu[k]) if mu is not None and k >= 0 else 0.0
    if min_return is not None:
        if mu is None:
            raise InputError("min_return: needs expected_returns (one per asset); enter them or leave min_return empty.")
        risky["min_return"] = max((float(min_return) - c * cash_return) / s, -1.0)
    risky.update(_risky_classes(classes, class_caps, split, n))
    if cov is not None:
        risky["cov"] = risky_cov(cov, split)
    return IncomeCash(None, split, risky, y, mu, float(y[k]) if k >= 0 else 0.0, cash_return)


def _risky_classes(classes, class_caps, split, n: int) -> dict:
    """``classes`` and ``class_caps`` of the risky sleeve (caps on its share; a class of cash alone dropped)."""
    if class_caps is None or len(class_caps) == 0 or classes is None or isinstance(classes, str):
        return {} if classes is None else {"classes": classes, "class_caps": class_caps}
    labels = [str(x).strip() for x in np.asarray(classes, dtype=object).ravel()]
    if len(labels) != n:
        return {"classes": classes, "class_caps": class_caps}  # the optimiser names the mismatch
    c, s = split.cash_weight, 1.0 - split.cash_weight
    cash_label = labels[split.cash_index] if split.cash_index >= 0 else None
    risky_labels = [labels[i] for i in split.risky]
    caps = {}
    for label, cap in class_caps.items():
        key = str(label).strip()
        held = c if key == cash_label else 0.0
        try:
            value = float(cap)
        except (TypeError, ValueError):
            caps[key] = cap  # the optimiser names the bad cap
            continue
        if value < held - 1e-12:
            raise InfeasibleError(f"class_caps: class '{key}' is capped at {value:.4g} but holds cash_weight "
                                  f"{c:.4g} of cash; raise the cap or lower cash_weight.")
        if key in risky_labels or key not in labels:
            caps[key] = min(max((value - held) / s, 0.0), 1.0) if 0.0 <= value <= 1.0 else value
    return {"classes": risky_labels, "class_caps": caps}


def with_cash(name: str, args: dict):
    """Call the income optimiser ``name`` with the cash options in ``args`` (its arguments, from ``locals()``)."""
    from . import income_targets

    fn = getattr(income_targets, name)
    args = dict(args)
    rfa, cw = args.pop("risk_free_asset"), args.pop("cash_weight")
    cov = args.pop("cov", None)
    yields = args.pop("yields")
    keys = ("expected_returns", "min_return", "lower", "upper", "classes", "class_caps")
    cash = income_cash(cov, yields, *(args[key] for key in keys), rfa, cw)
    if cash.full_cov is not None or (cash.split is None and cov is None):
        return fn(*([] if cov is None else [cash.full_cov]), yields, **args)
    risky = dict(cash.risky)
    y_r = cash.yields[cash.split.risky]
    if name == "max_attainable_yield":
        return cash.whole_yield(fn(y_r, **risky))
    cov_r = risky.pop("cov")
    if name == "income_frontier":
        f = fn(cov_r, y_r, args["n_points"], **risky)
        W, T = cash.weights(f.weights), cash.weights(f.turning_weights)
        return type(f)(W @ cash.yields, cash.share * f.volatilities, cash.returns(W), W, T @ cash.yields, T)
    if name == "min_volatility_for_income":
        target = as_rate(args["target_yield"], "target_yield", what="yields")
        top = cash.whole_yield(income_targets.max_attainable_yield(y_r, **risky))
        if target > top + 1e-10 * max(1.0, top):
            raise InfeasibleError(f"target_yield: {target:g} is out of reach; the highest yield these limits allow "
                                  f"with cash_weight {cash.split.cash_weight:.4g} is {top:.4g} ({top:.2%}); lower it "
                                  "or relax caps.")
        p = fn(cov_r, y_r, min(cash.sleeve_target(target), 1.0), **risky)
    else:
        cap = as_scalar(args["max_volatility"], "max_volatility", low=0.0, low_inclusive=False)
        try:
            p = fn(cov_r, y_r, cap / cash.share, **risky)
        except InfeasibleError as err:
            if not str(err).startswith("max_volatility"):
                raise
            raise InfeasibleError(f"max_volatility: {cap:g} is below the least volatility possible with cash_weight "
                                  f"{cash.split.cash_weight:.4g}; raise the cap, lower cash_weight or relax the "
                                  "limits.") from None
    w = cash.weights(p.weights)
    return type(p)(w, float(w @ cash.yields), cash.share * p.volatility, cash.returns(w), p.binding)
