"""Views on expected returns: Black-Litterman and the market-implied prior.

Modules: :mod:`.model` (the public :func:`black_litterman` and its result), :mod:`.market`
(market-implied returns and risk aversion), :mod:`.posterior` (the compiled kernel) and
:mod:`.checks` (the views' input rules).
"""

from .market import market_implied_returns, market_implied_risk_aversion
from .model import (
    DEFAULT_TAU,
    OMEGA_METHODS,
    BlackLittermanResult,
    OmegaMethod,
    black_litterman,
)

__all__ = [
    "DEFAULT_TAU",
    "OMEGA_METHODS",
    "BlackLittermanResult",
    "OmegaMethod",
    "black_litterman",
    "market_implied_returns",
    "market_implied_risk_aversion",
]
