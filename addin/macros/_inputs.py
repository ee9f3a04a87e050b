"""The input blocks several buttons share: the asset-class assumptions and the client's holdings."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import kernels
from kernels import InputError

from ._run import Rows, labels, matrix, number, vector

ASSUMPTION_NAMES = ("AssetClasses", "ExpReturns", "Vols", "Yields", "Correlation", "RiskFreeRate")
HOLDING_NAMES = ("Holdings_Asset", "Holdings_Class", "Holdings_Shares", "Holdings_Price", "Holdings_Target")


class Assumptions(NamedTuple):
    classes: list[str]
    expected_returns: np.ndarray
    vols: np.ndarray
    yields: np.ndarray
    cov: np.ndarray
    risk_free: float


class Holdings(NamedTuple):
    assets: list[str]
    classes: list[str]
    shares: np.ndarray
    prices: np.ndarray
    values: np.ndarray
    targets: np.ndarray

    @property
    def total(self) -> float:
        return float(self.values.sum())


def _same_length(name: str, arr: np.ndarray, n: int, what: str) -> None:
    if arr.size != n:
        raise InputError(f"{name}: {arr.size} values for {n} {what}; give one per row of the table.")


def assumptions(inputs: dict[str, Rows]) -> Assumptions:
    classes = labels(inputs, "AssetClasses")
    k = len(classes)
    mu = vector(inputs, "ExpReturns")
    vols = vector(inputs, "Vols")
    yields = vector(inputs, "Yields")
    for name, arr in (("ExpReturns", mu), ("Vols", vols), ("Yields", yields)):
        _same_length(name, arr, k, "asset classes")
    corr = matrix(inputs, "Correlation")
    if corr.shape != (k, k):
        raise InputError(f"Correlation: expected {k} x {k} (one row and column per asset class), "
                         f"got {corr.shape[0]} x {corr.shape[1]}.")
    cov = kernels.covariance_from_correlation(vols, corr)
    return Assumptions(classes, mu, vols, yields, cov, number(inputs, "RiskFreeRate"))


def holdings(inputs: dict[str, Rows], classes: list[str] | None = None) -> Holdings:
    assets = labels(inputs, "Holdings_Asset")
    h = len(assets)
    holding_classes = labels(inputs, "Holdings_Class")
    if len(holding_classes) != h:
        raise InputError(f"Holdings_Class: {len(holding_classes)} classes for {h} holdings; give each holding one.")
    if classes is not None:
        unknown = [c for c in holding_classes if c not in classes]
        if unknown:
            raise InputError(f"Holdings_Class: {unknown[0]!r} is not an asset class of the Assumptions sheet; "
                             "pick one from the list.")
    shares = vector(inputs, "Holdings_Shares")
    prices = vector(inputs, "Holdings_Price")
    targets = vector(inputs, "Holdings_Target")
    for name, arr in (("Holdings_Shares", shares), ("Holdings_Price", prices), ("Holdings_Target", targets)):
        _same_length(name, arr, h, "holdings")
    if (shares < 0).any():
        raise InputError(f"Holdings_Shares: row {int(np.argmax(shares < 0)) + 1} is negative; enter 0 or more shares.")
    if (prices <= 0).any():
        raise InputError(f"Holdings_Price: row {int(np.argmax(prices <= 0)) + 1} is not positive; enter the price.")
    values = shares * prices
    if values.sum() <= 0:
        raise InputError("Holdings_Shares: the portfolio is worth nothing; enter the shares held.")
    return Holdings(assets, holding_classes, shares, prices, values, targets)


def class_weights(h: Holdings, classes: list[str]) -> np.ndarray:
    """Weight of each asset class in the holdings (fractions of total value)."""
    out = np.zeros(len(classes))
    for cls, value in zip(h.classes, h.values):
        out[classes.index(cls)] += value
    return out / out.sum()
