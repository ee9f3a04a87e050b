"""Monte Carlo income plans: monthly paths of a portfolio with contributions, withdrawals and fees.

Modules: :mod:`.streams` and :mod:`.streams_numpy` (per-path random streams, compiled and vectorised),
:mod:`.models` (return models and the Assumptions sheet's defaults), :mod:`.paths` (the compiled kernel)
and :mod:`.paths_numpy` (its NumPy twin for the plain-Python mode), :mod:`.summaries` (percentiles from
histograms) and :mod:`.plan` (the public :func:`simulate_plan`).
"""

from .models import (
    ASSET_CLASS_ASSUMPTIONS,
    PLAN_DISTRIBUTIONS,
    RETURN_MODELS,
    AssetClassAssumptions,
)
from .plan import PLAN_REBALANCE, WITHDRAWAL_TYPES, PlanResult, simulate_plan

__all__ = [
    "ASSET_CLASS_ASSUMPTIONS",
    "PLAN_DISTRIBUTIONS",
    "PLAN_REBALANCE",
    "RETURN_MODELS",
    "WITHDRAWAL_TYPES",
    "AssetClassAssumptions",
    "PlanResult",
    "simulate_plan",
]
