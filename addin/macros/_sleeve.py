"""The Assumptions sheet's per-class limits and its Cash row as the risk-free sleeve (issue 16).

Every optimising button (Efficient Frontier, Risk Parity, Income Plan) reads the limits (``MinWeights``,
``MaxWeights``) and treats the class labelled ``Cash`` as the risk-free asset: it is held at its Min
weight (its Max weight must equal it), returns the risk-free rate (``RiskFreeRate``) with no risk, and
the kernels' cash options (``risk_free_asset``, ``cash_weight``: :attr:`Sleeve.cash_options`) solve over the
risky classes with every limit on the final weights (:meth:`Sleeve.bounds`). A
portfolio ``w = c * cash + (1 - c) * v`` then has return ``c r_f + (1 - c) v'mu`` and volatility
``(1 - c) sigma(v)``: its Sharpe ratio is the risky part's, so max Sharpe over ``v`` with ``r_f`` is max
Sharpe for the whole portfolio at that cash weight (the capital market line's point at ``1 - c``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import kernels
from kernels import InputError

from ._inputs import Assumptions
from ._run import Rows, vector

LIMIT_NAMES = ("MinWeights", "MaxWeights")
#: The label of the risk-free sleeve among the asset classes (case does not matter).
CASH_LABEL = "cash"


class Sleeve(NamedTuple):
    """The risky sub-problem of an Assumptions table whose Cash row is the risk-free sleeve."""

    cash: int | None  # row of the Cash class, None without one
    cash_weight: float  # the sleeve's weight c (0 without a Cash class)
    risky: np.ndarray  # rows of the risky classes
    lower: np.ndarray  # limits of the risky classes as shares of the risky part (1 - c)
    upper: np.ndarray
    expected_returns: np.ndarray  # every class; the Cash row returns the risk-free rate
    cov: np.ndarray  # every class; the Cash row and column are 0

    @property
    def risky_share(self) -> float:
        return 1.0 - self.cash_weight

    @property
    def cash_options(self) -> dict:
        """The kernels' cash-sleeve keywords (``risk_free_asset``, ``cash_weight``); none without a Cash class."""
        return {} if self.cash is None else {"risk_free_asset": self.cash, "cash_weight": self.cash_weight}

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The limits as weights of the whole portfolio (Cash at its weight), for the kernels' cash options."""
        return self.full(self.lower), self.full(self.upper)

    def full(self, risky_weights: np.ndarray) -> np.ndarray:
        """Weights over every class from weights of the risky classes summing to 1."""
        w = np.zeros(self.expected_returns.size)
        w[self.risky] = self.risky_share * np.asarray(risky_weights)
        if self.cash is not None:
            w[self.cash] = self.cash_weight
        return w


def class_limits(inputs: dict[str, Rows], classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The Min weight and Max weight columns, checked (0-100%, min <= max, reachable sums)."""
    k = len(classes)
    lower, upper = vector(inputs, "MinWeights"), vector(inputs, "MaxWeights")
    for name, arr in (("MinWeights", lower), ("MaxWeights", upper)):
        if arr.size != k:
            raise InputError(f"{name}: {arr.size} values for {k} asset classes; give one per row of the table.")
        bad = np.flatnonzero((arr < 0.0) | (arr > 1.0))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"{name}: {classes[i]} has {arr[i]:.4g}; enter a weight from 0% to 100%.")
    above = np.flatnonzero(lower > upper)
    if above.size:
        i = int(above[0])
        raise InputError(f"MinWeights: {classes[i]} has {lower[i]:.1%}, above its Max weight {upper[i]:.1%}; lower it.")
    if lower.sum() > 1.0 + 1e-9:
        raise InputError(f"MinWeights: the Min weights add up to {lower.sum():.1%}, above 100%; lower some.")
    if upper.sum() < 1.0 - 1e-9:
        raise InputError(f"MaxWeights: the Max weights add up to {upper.sum():.1%}, below 100%; raise some.")
    return lower, upper


def sleeve(inputs: dict[str, Rows], a: Assumptions, lower: float = 0.0, upper: float = 1.0,
           bound_names: tuple[str, str] = ("MinWeights", "MaxWeights")) -> Sleeve:
    """The risky sub-problem under the class limits and a button's own bounds ``lower``/``upper`` on every risky
    class (weights of the whole portfolio, in the cells ``bound_names``)."""
    lo, hi = class_limits(inputs, a.classes)
    cash = next((i for i, c in enumerate(a.classes) if c.strip().lower() == CASH_LABEL), None)
    mu, cov = a.expected_returns.copy(), a.cov.copy()
    c = 0.0
    if cash is not None:
        c = float(lo[cash])
        if abs(hi[cash] - c) > 1e-12:
            raise InputError(f"MaxWeights: Cash (the risk-free sleeve) is held at its Min weight {c:.1%}; set its "
                             f"Max weight equal (it is {hi[cash]:.1%}).")
        if c >= 1.0:
            raise InputError("MinWeights: Cash is 100%; leave some weight for the risky classes.")
        mu[cash] = a.risk_free
        cov[cash, :] = 0.0
        cov[:, cash] = 0.0
    risky = np.array([i for i in range(len(a.classes)) if i != cash], dtype=np.intp)
    if risky.size == 0:
        raise InputError("AssetClasses: only Cash is listed; add the risky asset classes.")
    share = 1.0 - c
    lo_w, hi_w = np.maximum(lo[risky], lower), np.minimum(hi[risky], upper)
    crossed = np.flatnonzero(lo_w > hi_w + 1e-12)
    if crossed.size:
        i = int(risky[crossed[0]])
        raise InputError(f"{bound_names[0]}: {lo_w[crossed[0]]:.1%} is above the Max weight of {a.classes[i]} "
                         f"({hi_w[crossed[0]]:.1%}); lower it.")
    if lo_w.sum() > share + 1e-9:
        raise InputError(f"{bound_names[0]}: with the Min weights the classes need {lo_w.sum() + c:.1%} of the "
                         "portfolio, above 100%; lower it.")
    if hi_w.sum() < share - 1e-9:
        raise InputError(f"{bound_names[1]}: with the Max weights the classes reach only {hi_w.sum() + c:.1%} of the "
                         "portfolio, below 100%; raise it.")
    lo_r, hi_r = np.clip(lo_w / share, 0.0, 1.0), np.clip(hi_w / share, 0.0, 1.0)
    return Sleeve(cash, c, risky, lo_r, np.maximum(hi_r, lo_r), mu, cov)


def stats(s: Sleeve, weights: np.ndarray, risk_free: float) -> list:
    """Expected return, volatility and Sharpe ratio (blank for a riskless portfolio) with Cash as risk-free."""
    ret = kernels.portfolio_return(weights, s.expected_returns)
    vol = kernels.portfolio_volatility(weights, s.cov)
    return [ret, vol, (ret - risk_free) / vol if vol > 0 else None]
