"""Tax-aware rebalancing of a household: taxable, tax-deferred and tax-free accounts, tax lots, harvesting.

Modules: :mod:`.rows` (the input rows and reading them from tables), :mod:`.problem` (checks, arrays),
:mod:`.model` (the linear / mixed-integer programme), :mod:`.solve` (HiGHS and the lazily added
wash-sale and lot-order rules), :mod:`.report` (the typed results), :mod:`.plan` (the public function).
"""

from .plan import DEFAULT_MIP_GAP, rebalance_household
from .problem import LOT_METHODS, WASH_SALE_DAYS
from .report import (
    AccountSummary,
    ClassDrift,
    HouseholdRebalance,
    LotSales,
    PositionTrades,
    WashSale,
)
from .rows import (
    ACCOUNT_TYPE_ALIASES,
    Account,
    Costs,
    Holding,
    Lot,
    RecentTrade,
    Substitute,
    TaxRates,
)
from .solve import STATUS_MESSAGES

__all__ = [
    "ACCOUNT_TYPE_ALIASES",
    "DEFAULT_MIP_GAP",
    "LOT_METHODS",
    "STATUS_MESSAGES",
    "WASH_SALE_DAYS",
    "Account",
    "AccountSummary",
    "ClassDrift",
    "Costs",
    "Holding",
    "HouseholdRebalance",
    "Lot",
    "LotSales",
    "PositionTrades",
    "RecentTrade",
    "Substitute",
    "TaxRates",
    "WashSale",
    "rebalance_household",
]
