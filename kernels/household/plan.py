"""Tax-aware rebalancing of a household: the public entry point."""

from __future__ import annotations

import datetime as dt

from .._validate import as_scalar
from .problem import build_problem
from .report import HouseholdRebalance, build_report
from .rows import Costs, TaxRates
from .solve import solve

#: No transaction costs (the default).
NO_COSTS = Costs(0.0, 0.0)

#: Default gap for whole shares and per-trade fees: the plan's cost may exceed the best possible by this
#: fraction of the household's value ($100 per $1,000,000).
DEFAULT_MIP_GAP = 1e-4


def rebalance_household(
    holdings,
    targets,
    *,
    accounts,
    lots=None,
    as_of: dt.date | str | None = None,
    tax_rates: TaxRates | None = None,
    costs: Costs = NO_COSTS,
    band=None,
    relative_band: float | None = None,
    mode: str = "to_target",
    cash_flows=None,
    max_turnover: float | None = None,
    drift_penalty: float = 1.0,
    lot_method: str = "min_tax",
    whole_shares: bool = False,
    harvest_threshold: float | None = None,
    substitutes=None,
    recent_trades=None,
    mip_gap: float = DEFAULT_MIP_GAP,
    time_limit: float = 10.0,
) -> HouseholdRebalance:
    """Trades that bring a household (taxable, tax-deferred and tax-free accounts) to its targets with the least tax.

    One linear programme (a mixed-integer one for whole shares or per-trade fees) on SciPy's HiGHS
    minimises, in currency,

    ``drift_penalty * out_of_place + tax + costs``

    - ``out_of_place``: half the sum over asset classes of ``|value - target * total|`` beyond each
      class's band (``mode="to_band"``) or from the target (``"to_target"``), plus the cash left
      uninvested: the money not where the targets put it. ``total`` is the household after the cash
      flows and the trades (holdings plus cash left).
    - ``tax``: each lot sold at its rate (federal short- or long-term by holding period, plus state)
      times its gain; losses offset gains, but the sum is counted only when positive, except for
      harvest candidates (losses beyond ``harvest_threshold``), whose savings always count.
    - ``costs``: ``bps`` of every trade's value plus ``per_trade`` per security bought or sold.

    Constraints: no account spends more cash than it has (cash + flow + sales - purchases - costs
    >= 0), sales never exceed holdings, ``no_sell``/``no_buy`` and securities listed only in some
    accounts, the turnover limit, the wash-sale rule (a security whose loss is realised is bought in
    no account; recent loss sales block purchases), and with ``lot_method="hifo"`` lots sold
    highest cost first. Among plans of equal cost, trades in sheltered accounts, deposits to the most
    underweight class and higher-cost lots come first (tie-breaks of a millionth of the value traded).

    Parameters
    ----------
    holdings : table of Holding rows (account, symbol, shares, price[, asset_class, no_sell, no_buy])
        One row per security per account; ``shares = 0`` lists a security an account may buy. Only
        listed securities trade in an account.
    targets : dict {asset class or symbol: weight} or table of (asset_class, target) rows
        Household targets summing to 1. Each holding counts towards its ``asset_class`` (blank: its symbol).
    accounts : table of Account rows (name, type[, cash])
        ``type`` is taxable, tax_deferred or tax_free (IRA, 401(k), Roth IRA, ... are read as these).
    lots : table of Lot rows (account, symbol, shares, cost_basis, acquired), optional
        Tax lots; every taxable holding's lots must add up to its shares. Lots in sheltered accounts are
        accepted and ignored.
    as_of : date or "YYYY-MM-DD"
        The trade date: holding periods (long-term after more than a year) and the 30-day wash-sale window.
    tax_rates : TaxRates(short_term, long_term, state)
        Needed when the household has a taxable account (zeros to ignore tax).
    costs : Costs(bps, per_trade), default no costs
    band : float, list (one per target) or dict {asset class: band}, optional
        Weight points each class may drift (0.05: a 40% target may sit in 35%..45%).
    relative_band : float, optional
        Fraction of each target; with ``band`` the narrower applies (as in :func:`rebalance_trades`).
    mode : {"to_target", "to_band"}
        ``"to_target"``: once a class leaves its band, every class is priced by its distance to target;
        inside every band only the cash flows are traded. ``"to_band"``: only distances beyond the bands cost.
    cash_flows : dict {account: amount} or list (one per account), optional
        Deposits (> 0) and withdrawals (< 0) now; each account's own.
    max_turnover : float, optional
        Largest one-way turnover ``sum |trades| / (2 total)``.
    drift_penalty : float, default 1.0
        Currency of tax and costs worth paying to move one currency unit into place. At 1 or more every
        reachable target is met (with the least tax); 0.1 pays at most 10 cents per dollar moved.
    lot_method : {"min_tax", "hifo"}
        Lots chosen for the least tax, or highest cost first.
    whole_shares : bool, default False
        Trade whole shares (a mixed-integer programme); otherwise fractional shares.
    harvest_threshold : float, optional
        Harvest losses: lots whose loss is at least this fraction of their cost basis count their tax
        saving in full. None: no harvesting (losses only offset gains realised in the same plan).
    substitutes : dict {symbol: replacement} or table of Substitute rows, optional
        Replacements bought after harvesting (added to the taxable accounts that hold the symbol).
    recent_trades : table of RecentTrade rows, optional
        Trades of the last 30 days in any account (purchases make a loss a wash sale; loss sales block
        purchases now).
    mip_gap : float, default 1e-4
        Whole shares and per-trade fees: the plan is called optimal once its cost is proven within this
        fraction of the household's value of the best possible ($100 per $1,000,000 by default).
    time_limit : float, default 10
        Seconds; the best plan found is returned with ``status="time_limit"``.

    Returns
    -------
    HouseholdRebalance

    Raises
    ------
    InputError
        A table or value the rules reject (unknown account type, lots that do not add up, a date after
        ``as_of``, targets not summing to 1, ...), named in one line.
    InfeasibleError
        A withdrawal the account cannot raise, or a turnover limit too tight for the withdrawals.

    Examples
    --------
    Stocks are overweight (150k of 200k against 60%); the brokerage account's stocks carry a large gain,
    the IRA's none: the whole sale happens in the IRA and no tax is due.

    >>> from kernels import Account, Holding, Lot, TaxRates, rebalance_household
    >>> r = rebalance_household(
    ...     [Holding("Brokerage", "VTI", 400, 250.0, "Stocks"), Holding("IRA", "VTI", 200, 250.0, "Stocks"),
    ...      Holding("IRA", "BND", 500, 100.0, "Bonds")],
    ...     {"Stocks": 0.6, "Bonds": 0.4},
    ...     accounts=[Account("Brokerage", "taxable"), Account("IRA", "IRA")],
    ...     lots=[Lot("Brokerage", "VTI", 400, 40_000.0, "2015-06-01")],
    ...     as_of="2026-11-30", tax_rates=TaxRates(0.35, 0.15, 0.05))
    >>> r.positions.shares_traded.round(6).tolist(), r.tax, r.status
    ([0.0, -120.0, 300.0], 0.0, 'optimal')
    """
    gap = as_scalar(mip_gap, "mip_gap", low=0.0, high=1.0)
    limit = as_scalar(time_limit, "time_limit", low=0.0, low_inclusive=False)
    prob = build_problem(
        holdings, targets, accounts=accounts, lots=lots, as_of=as_of, tax_rates=tax_rates, costs=costs, band=band,
        relative_band=relative_band, mode=mode, cash_flows=cash_flows, max_turnover=max_turnover,
        drift_penalty=drift_penalty, lot_method=lot_method, whole_shares=whole_shares,
        harvest_threshold=harvest_threshold, substitutes=substitutes, recent_trades=recent_trades)
    return build_report(prob, solve(prob, time_limit=limit, mip_gap=gap), gap)
