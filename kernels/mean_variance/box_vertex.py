"""The box path's active sets at the edge of the box (issue 16): a set with every asset at a bound (a vertex,
and the top of the path), and the one-asset change that takes a failed update back (split from
:mod:`.box_path`, which uses them)."""

from __future__ import annotations

import numpy as np


def _one_change(state, sol, lam, lower, upper):
    """The most violated bound of a free asset fixed, else the most wrong-signed bound released; False if none."""
    w0, w1, _, _, B, m0, m1 = sol
    w = w0 + lam * w1
    free = np.flatnonzero(state == 0)
    viol = np.maximum(lower[free] - w[free], w[free] - upper[free])
    if viol.size and float(viol.max()) > 0.0:
        i = int(free[int(np.argmax(viol))])
        state[i] = -1 if w[i] < lower[i] else 1
        return True
    m = m0 + lam * m1
    wrong = np.where(lower[B] == upper[B], 0.0, np.where(state[B] < 0, -m, m))
    if wrong.size and float(wrong.max()) > 0.0:
        state[B[int(np.argmax(wrong))]] = 0
        return True
    return False


def _vertex(kkt, lam, state, lower, upper):
    """A solution tuple when every asset is at a bound, the budget holds and some budget multiplier ``nu``
    gives every bound multiplier its sign at ``lam``; else ``None``."""
    if np.any(state == 0):
        return None
    w = np.where(state < 0, lower, upper)
    if abs(float(w.sum()) - 1.0) > 1e-12:
        return None
    g = kkt.scale * (kkt.Q @ w) + kkt.shift * w - lam * kkt.mu
    movable = lower < upper
    at_lower, at_upper = g[(state < 0) & movable], g[(state > 0) & movable]
    hi = float(at_lower.min()) if at_lower.size else np.inf
    lo = float(at_upper.max()) if at_upper.size else -np.inf
    if lo > hi:
        return None
    nu = 0.5 * (lo + hi) if np.isfinite(lo) and np.isfinite(hi) else (lo if np.isfinite(lo) else
                                                                        (hi if np.isfinite(hi) else 0.0))
    B = np.arange(w.size)
    # the multipliers' slope at this nu (held fixed): the interval found is a part of the vertex's
    return w, np.zeros(w.size), nu, 0.0, B, g + lam * kkt.mu - nu, -kkt.mu


def _top_start(kkt, w, state, lower, upper):
    """The least ``lam`` from which the vertex ``w`` is optimal for every larger ``lam`` (the top of the
    path: ``mu`` at least as high on every asset at its upper bound as on any at its lower), else None.

    Optimal at ``lam`` when some ``nu`` has ``(Qw - lam mu)_i <= nu <= (Qw - lam mu)_j`` for every ``i`` at
    its upper bound and ``j`` at its lower: ``lam (mu_i - mu_j) >= (Qw)_i - (Qw)_j`` for each pair.
    """
    movable = lower < upper
    up, down = (state > 0) & movable, (state < 0) & movable
    if not up.any() or not down.any():
        return 0.0
    mu = kkt.mu
    if float(mu[up].min()) < float(mu[down].max()):
        return None
    g = kkt.scale * (kkt.Q @ w) + kkt.shift * w
    dmu = mu[up][:, None] - mu[down][None, :]
    dg = g[up][:, None] - g[down][None, :]
    if np.any((dmu == 0.0) & (dg > 0.0)):
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(dmu > 0.0, dg / dmu, -np.inf)
    return max(0.0, float(need.max()))
