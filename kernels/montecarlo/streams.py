"""Per-path random streams: counter-based draws, normal and chi-square variates, the same in every mode.

Every random number of a simulation is a pure function of ``(seed, path, slot, position)``:

- ``seed`` -> two stream keys per path, ``k1 = mix64(s1 + (path + 1) * GAMMA)`` and
  ``k2 = mix64(s2 + (path + 1) * GAMMA)`` (``s1, s2`` from the seed by SplitMix64);
- a *slot* is one variate of a path (asset ``a`` of month ``t``, or the month's extra draw); its first
  64-bit word is ``mix64(k1 + (slot + 1) * GAMMA)`` (SplitMix64, Steele, Lea and Flood 2014, seeded with
  the path's key), and the rare further words a rejection method needs come from the slot's own
  SplitMix64 stream, seeded with ``mix64(k2 + (slot + 1) * GAMMA)``.

So the numbers do not depend on the order in which paths, months or assets are computed: the same seed
gives the same numbers on any number of threads, compiled or as plain Python, scalar or vectorised
(``streams_numpy`` computes the same words for whole arrays).

Normal variates use the 256-layer ziggurat of Marsaglia and Tsang (2000) in the 64-bit form NumPy uses
(``random_standard_normal``: 8 bits pick the layer, 1 the sign, 52 the abscissa; 99.3% of draws return
after one multiplication and one comparison). Its tables, and the ``log``/``exp`` of its rare tail and
wedge tests, are computed here with only ``+ - * /``, ``frexp`` and ``ldexp`` (the fdlibm algorithms), so
that compiled code and NumPy's own (SIMD) ``exp``/``log`` can never disagree in the last bit.
Chi-square variates (Student-t mixing) use Marsaglia and Tsang's (2000) gamma method.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (the golden ratio, odd)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S8, _S9, _S11 = np.uint64(8), np.uint64(9), np.uint64(11)
_LOW8 = np.uint64(0xFF)
_ONE = np.uint64(1)
_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)
_TWO_M53 = 1.0 / 9007199254740992.0  # 2**-53

# fdlibm e_log.c / e_exp.c constants
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SQRT_HALF = 0.70710678118654752440
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5, _LG6 = 2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08

# ziggurat: 256 layers, tail start r and layer area v (Marsaglia and Tsang 2000; NumPy's constants)
ZIG_R = 3.6541528853610088
ZIG_INV_R = 1.0 / ZIG_R
_ZIG_V = 0.00492867323399
_ZIG_M = 4503599627370496.0  # 2**52


@jit
def _mix64(z):
    """SplitMix64's output function (Stafford's Mix13): a bijection of uint64 with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def _path_keys(s1, s2, path):
    """The two stream keys ``(k1, k2)`` of ``path`` (an int >= 0) under the seed words ``s1, s2``."""
    step = np.uint64(path + 1) * GAMMA
    return _mix64(s1 + step), _mix64(s2 + step)


def seed_words(seed: int) -> tuple[np.uint64, np.uint64]:
    """The two 64-bit words every path key derives from (SplitMix64 started at ``seed``)."""
    base = np.uint64(seed)
    with np.errstate(over="ignore"):
        return _mix64.py_func(base + GAMMA), _mix64.py_func(base + GAMMA + GAMMA)


@jit
def _word(k1, k2, slot, j):
    """64-bit word ``j`` of ``slot``: ``j = 0`` from the path's stream, ``j >= 1`` from the slot's own."""
    step = np.uint64(slot + 1) * GAMMA
    if j == 0:
        return _mix64(k1 + step)
    return _mix64(_mix64(k2 + step) + np.uint64(j) * GAMMA)


@jit
def _unit(u):
    """A uint64 as a double in [0, 1) (its top 53 bits)."""
    return float(u >> _S11) * _TWO_M53


@jit
def _log(x):
    """Natural log of a positive, finite ``x`` (fdlibm's e_log.c; within 1 ulp)."""
    m, e = math.frexp(x)
    if m < _SQRT_HALF:
        m = m + m
        e -= 1
    f = m - 1.0
    k = float(e)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


#: 2**k for k = -1074 .. 1023 (exact): ``y * POW2[k + 1074]`` is ``ldexp(y, k)`` and vectorises.
POW2 = np.ldexp(1.0, np.arange(-1074, 1024))
POW2.flags.writeable = False


@jit
def _exp(x):
    """``e**x`` for ``|x| < 700`` (fdlibm's e_exp.c; within 1 ulp)."""
    k = math.floor(x * _INV_LN2 + 0.5)
    hi = x - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    return y * POW2[min(max(int(k), -1074), 1023) + 1074]


def _ziggurat_tables():
    """``(ki, wi, fi)`` of the 256-layer ziggurat, computed with the module's own ``exp`` and ``log``."""
    log, exp = _log.py_func, _exp.py_func
    ki = np.zeros(256, np.int64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    dn = tn = ZIG_R
    q = _ZIG_V / exp(-0.5 * dn * dn)
    ki[0] = int(dn / q * _ZIG_M)
    ki[1] = 0
    wi[0] = q / _ZIG_M
    wi[255] = dn / _ZIG_M
    fi[0] = 1.0
    fi[255] = exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * log(_ZIG_V / dn + exp(-0.5 * dn * dn)))
        ki[i + 1] = int(dn / tn * _ZIG_M)
        tn = dn
        fi[i] = exp(-0.5 * dn * dn)
        wi[i] = dn / _ZIG_M
    for a in (ki, wi, fi):
        a.flags.writeable = False
    return ki, wi, fi


ZIG_KI, ZIG_WI, ZIG_FI = _ziggurat_tables()


@jit
def _normal_from(k1, k2, slot, j):
    """Standard normal from word ``j`` of ``slot`` on: ``(x, next j)``."""
    u = _word(k1, k2, slot, j)
    j += 1
    while True:
        idx = np.int64(u & _LOW8)
        rabs = np.int64((u >> _S9) & _MASK52)
        x = float(rabs) * ZIG_WI[idx]
        if (u >> _S8) & _ONE:
            x = -x
        if rabs < ZIG_KI[idx]:
            return x, j
        if idx == 0:
            while True:
                xx = -ZIG_INV_R * _log(1.0 - _unit(_word(k1, k2, slot, j)))
                yy = -_log(1.0 - _unit(_word(k1, k2, slot, j + 1)))
                j += 2
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 1:
                        return -(ZIG_R + xx), j
                    return ZIG_R + xx, j
        else:
            y = (ZIG_FI[idx - 1] - ZIG_FI[idx]) * _unit(_word(k1, k2, slot, j)) + ZIG_FI[idx]
            j += 1
            if y < _exp(-0.5 * x * x):
                return x, j
        u = _word(k1, k2, slot, j)
        j += 1


@jit
def _normal(k1, k2, slot):
    """The standard normal of ``slot`` (one word 99.3% of the time)."""
    u = _mix64(k1 + np.uint64(slot + 1) * GAMMA)
    idx = np.int64(u & _LOW8)
    rabs = np.int64((u >> _S9) & _MASK52)
    if rabs < ZIG_KI[idx]:
        x = float(rabs) * ZIG_WI[idx]
        return -x if (u >> _S8) & _ONE else x
    return _normal_from(k1, k2, slot, 0)[0]


@jit
def _chi2(k1, k2, slot, dof):
    """A chi-square variate with ``dof > 2`` degrees of freedom: 2 x Gamma(dof / 2) (Marsaglia-Tsang)."""
    d = 0.5 * dof - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    j = 0
    while True:
        x, j = _normal_from(k1, k2, slot, j)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = _unit(_word(k1, k2, slot, j))
        j += 1
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return 2.0 * d * v
        if u > 0.0 and _log(u) < 0.5 * x2 + d * (1.0 - v + _log(v)):
            return 2.0 * d * v


@jit
def _index(u, n):
    """A uniform integer in ``[0, n)`` from word ``u`` (floor of a 53-bit uniform times ``n``)."""
    i = int(_unit(u) * n)
    return i if i < n else n - 1
