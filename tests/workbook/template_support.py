"""Shared by the template tests: one build of the template per test session, and independent readers.

It holds no tests itself.
"""

from __future__ import annotations

import functools
import io
import zipfile

import numpy as np
import pandas as pd

from workbook import layout as L


@functools.lru_cache(maxsize=1)
def template_bytes() -> bytes:
    """The template as ``xlfolio build-template`` writes it (built once per session)."""
    from addin.template import build_template

    return build_template()


def package(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


# Independent reads of the text sources (pandas, not the build's code), for oracles.

def source_assumptions() -> pd.DataFrame:
    return pd.read_csv(L.ASSUMPTIONS_CSV)


def source_cov() -> np.ndarray:
    a = source_assumptions()
    corr = pd.read_csv(L.CORRELATIONS_CSV, index_col=0).loc[a.asset_class, a.asset_class].to_numpy()
    vols = a.volatility.to_numpy()
    return vols[:, None] * corr * vols[None, :]


def source_client() -> pd.DataFrame:
    c = pd.read_csv(L.SAMPLE_CLIENT_CSV)
    c["value"] = c.shares * c.price
    return c


def source_class_weights() -> np.ndarray:
    a, c = source_assumptions(), source_client()
    by_class = c.groupby("asset_class").value.sum().reindex(a.asset_class, fill_value=0.0).to_numpy()
    return by_class / by_class.sum()
