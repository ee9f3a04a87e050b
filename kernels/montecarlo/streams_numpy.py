"""The random streams of :mod:`.streams` for whole arrays at once (NumPy), bit for bit the same numbers.

Used by the plain-Python mode (no Numba), where a loop per draw would be far too slow, and by the tests
as the vectorised twin of the compiled scalar code. Every function takes arrays of keys and slots of one
shape and applies the same IEEE operations in the same order as its scalar twin; the rare rejections
loop over the shrinking set of rejected entries.
"""

from __future__ import annotations

import numpy as np

from .streams import (
    _INV_LN2,
    _LG1,
    _LG2,
    _LG3,
    _LG4,
    _LG5,
    _LG6,
    _LG7,
    _LN2_HI,
    _LN2_LO,
    _M1,
    _M2,
    _MASK52,
    _P1,
    _P2,
    _P3,
    _P4,
    _P5,
    _SQRT_HALF,
    _TWO_M53,
    GAMMA,
    POW2,
    ZIG_FI,
    ZIG_INV_R,
    ZIG_KI,
    ZIG_R,
    ZIG_WI,
)

_U = np.uint64


def mix64(z):
    """SplitMix64's output function on a uint64 array (wrapping arithmetic); ``z`` is overwritten."""
    z ^= z >> _U(30)
    z *= _M1
    z ^= z >> _U(27)
    z *= _M2
    z ^= z >> _U(31)
    return z


def path_keys(s1, s2, paths):
    """Keys ``(k1, k2)`` for an int array of path numbers."""
    step = (np.asarray(paths).astype(np.uint64) + _U(1)) * GAMMA
    return mix64(s1 + step), mix64(s2 + step)


def words(k1, k2, slot, j):
    """Word ``j`` of each ``slot`` (arrays broadcast together; ``j`` may be a scalar 0)."""
    step = (np.asarray(slot).astype(np.uint64) + _U(1)) * GAMMA
    j = np.asarray(j)
    if not j.any():
        return mix64(k1 + step)
    own = mix64(mix64(k2 + step) + j.astype(np.uint64) * GAMMA)
    return np.where(j == 0, mix64(k1 + step), own)


def unit(u):
    """uint64 words as doubles in [0, 1)."""
    return (u >> _U(11)).astype(np.float64) * _TWO_M53


def log(x):
    """Natural log (fdlibm), the same bits as :func:`.streams._log`."""
    m, e = np.frexp(x)
    small = m < _SQRT_HALF
    m = np.where(small, m + m, m)
    k = (e - small).astype(np.float64)
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


def exp(x):
    """``e**x`` (fdlibm), the same bits as :func:`.streams._exp`."""
    k = np.floor(x * _INV_LN2 + 0.5)
    hi = x - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    return y * POW2[np.clip(k, -1074, 1023).astype(np.int64) + 1074]


_SIGNED_WI = np.concatenate([ZIG_WI, -ZIG_WI])  # index: layer (8 bits) + 256 * sign bit


def _split(u):
    """Layer, abscissa bits and signed abscissa of ziggurat words."""
    idx = (u & _U(0xFF)).view(np.int64)
    rabs = ((u >> _U(9)) & _MASK52).view(np.int64)
    x = rabs.astype(np.float64)
    x *= np.take(_SIGNED_WI, (u & _U(0x1FF)).view(np.int64))  # times -w exactly negates times w
    return idx, rabs, x


def normals(k1, k2, slot):
    """The standard normal of every ``slot``; ``k1``, ``k2`` and ``slot`` broadcast together."""
    shape = np.broadcast_shapes(np.shape(k1), np.shape(slot))
    idx, rabs, x = _split(words(k1, k2, slot, 0))
    slow = rabs >= np.take(ZIG_KI, idx)
    if slow.any():
        args = (np.broadcast_to(a, shape)[slow] for a in (k1, k2, slot))
        x[slow] = normal_from(*args, np.zeros(int(slow.sum()), np.int64))[0]
    return x


def normal_from(k1, k2, slot, j):
    """Standard normals from word ``j`` of each slot on (1-D arrays): ``(x, next j)``."""
    j = j.copy()
    out = np.empty(k1.shape[0])
    u = words(k1, k2, slot, j)
    j += 1
    active = np.arange(k1.shape[0])
    while active.size:
        idx, rabs, x = _split(u[active])
        fast = rabs < ZIG_KI[idx]
        out[active[fast]] = x[fast]
        tail = ~fast & (idx == 0)
        ids, sign = active[tail], ((rabs[tail] >> 8) & 1).astype(bool)
        while ids.size:
            xx = -ZIG_INV_R * log(1.0 - unit(words(k1[ids], k2[ids], slot[ids], j[ids])))
            yy = -log(1.0 - unit(words(k1[ids], k2[ids], slot[ids], j[ids] + 1)))
            j[ids] += 2
            ok = yy + yy > xx * xx
            out[ids[ok]] = np.where(sign[ok], -(ZIG_R + xx[ok]), ZIG_R + xx[ok])
            ids, sign = ids[~ok], sign[~ok]
        wedge = ~fast & (idx != 0)
        ids, iw, xw = active[wedge], idx[wedge], x[wedge]
        y = (ZIG_FI[iw - 1] - ZIG_FI[iw]) * unit(words(k1[ids], k2[ids], slot[ids], j[ids])) + ZIG_FI[iw]
        j[ids] += 1
        ok = y < exp(-0.5 * xw * xw)
        out[ids[ok]] = xw[ok]
        active = ids[~ok]
        u[active] = words(k1[active], k2[active], slot[active], j[active])
        j[active] += 1
    return out, j


def chi2(k1, k2, slot, dof):
    """Chi-square variates with ``dof > 2`` degrees of freedom for 1-D arrays of slots."""
    d = 0.5 * dof - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty(k1.shape[0])
    j = np.zeros(k1.shape[0], np.int64)
    active = np.arange(k1.shape[0])
    while active.size:
        x, j[active] = normal_from(k1[active], k2[active], slot[active], j[active])
        v = 1.0 + c * x
        pos = v > 0.0
        ids, x, v = active[pos], x[pos], v[pos]
        v = v * v * v
        u = unit(words(k1[ids], k2[ids], slot[ids], j[ids]))
        j[ids] += 1
        x2 = x * x
        ok = u < 1.0 - 0.0331 * x2 * x2
        rest = ~ok & (u > 0.0)
        ok[rest] = log(u[rest]) < 0.5 * x2[rest] + d * (1.0 - v[rest] + log(v[rest]))
        out[ids[ok]] = 2.0 * d * v[ok]
        active = np.concatenate([active[~pos], ids[~ok]])
    return out


def index(u, n):
    """Uniform integers in ``[0, n)`` from words ``u``."""
    i = (unit(u) * n).astype(np.int64)
    return np.minimum(i, n - 1)
