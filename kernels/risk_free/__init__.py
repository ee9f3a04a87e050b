"""Cash as the risk-free asset (issue 16): the cash sleeve shared by every optimiser.

* :mod:`.sleeve`: ``risk_free_asset`` / ``cash_weight`` split out of the inputs and put back
  (used by ``min_variance``, ``max_sharpe``, ``efficient_portfolio``, ``capital_market_line``);
* :mod:`.parity`: :func:`risk_parity_with_cash`, risk parity over the risky assets with a cash sleeve.
"""

from .parity import CashRiskParityResult, risk_parity_with_cash
from .sleeve import CashSplit

__all__ = ["CashRiskParityResult", "CashSplit", "risk_parity_with_cash"]
