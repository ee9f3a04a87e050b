"""How rebalancing an account ends: one status vocabulary and one table of messages.

The single-account function raises :class:`kernels.errors.InfeasibleError` with the message; the
book (:func:`kernels.rebalance_batch`) reports the code per account. Compiled code uses the codes as
plain ints (``kernels.rebalance.STATUS_*``).
"""

from __future__ import annotations

from enum import IntEnum


class RebalanceStatus(IntEnum):
    """How rebalancing one account ended (0: trades found)."""

    OK = 0
    WITHDRAWAL_EXCEEDS_ACCOUNT = 1
    WITHDRAWAL_NEEDS_SELLS = 2
    WITHDRAWAL_EXCEEDS_UNLOCKED = 3
    LOTS_CANNOT_RAISE_CASH = 4


#: Status code -> what went wrong and the fix (one line; the batch reports these per account).
STATUS_MESSAGES = {
    RebalanceStatus.OK: "ok",
    RebalanceStatus.WITHDRAWAL_EXCEEDS_ACCOUNT: "cash_flow: the withdrawal exceeds the account's value; withdraw less.",
    RebalanceStatus.WITHDRAWAL_NEEDS_SELLS: "cash_flow: the withdrawal exceeds the cash and allow_sells is False; "
    "allow sells.",
    RebalanceStatus.WITHDRAWAL_EXCEEDS_UNLOCKED: "cash_flow: the withdrawal exceeds cash plus unlocked holdings; "
    "unlock holdings.",
    RebalanceStatus.LOTS_CANNOT_RAISE_CASH: "cash_flow: whole-lot sales cannot raise the withdrawal; use smaller lots.",
}

# the codes as plain ints, for compiled code (an IntEnum member does not unify with an int there)
STATUS_OK = int(RebalanceStatus.OK)
STATUS_WITHDRAWAL_EXCEEDS_ACCOUNT = int(RebalanceStatus.WITHDRAWAL_EXCEEDS_ACCOUNT)
STATUS_WITHDRAWAL_NEEDS_SELLS = int(RebalanceStatus.WITHDRAWAL_NEEDS_SELLS)
STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED = int(RebalanceStatus.WITHDRAWAL_EXCEEDS_UNLOCKED)
STATUS_LOTS_CANNOT_RAISE_CASH = int(RebalanceStatus.LOTS_CANNOT_RAISE_CASH)
