"""The columns of each input file kind, in one place: the account book (holdings, models) and households (issue 17).

A :class:`Schema` names its columns, says which are required, how each is read (text, number, flag)
and what a blank means. The reader (:mod:`addin.batch.reading`) reads any schema from CSV or Parquet;
the checks of one file kind (:mod:`addin.batch.checks`) apply its own rules on top.
"""

from __future__ import annotations

from typing import NamedTuple

TEXT, NUMBER, FLAG, DATE = "text", "number", "flag", "date"

#: The holdings row that carries an account's uninvested cash (any letter case).
CASH_SYMBOL = "CASH"

#: Spellings accepted in a flag column (after trimming and lower-casing).
FLAG_WORDS = {"": False, "0": False, "1": True, "false": False, "true": True, "no": False, "yes": True,
              "n": False, "y": True}


class Column(NamedTuple):
    """One column of an input file.

    ``blank`` is what a blank cell means for a number (``None``: a blank is a problem when the column
    is required, and NaN otherwise). ``example`` goes into messages that say how to fix a value.
    """

    name: str
    kind: str
    required: bool = False
    blank: float | None = None
    example: str = ""


class Schema(NamedTuple):
    kind: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def describe(self) -> str:
        """``account,model,symbol,value[,price,lot_size,locked,cash_flow]``."""
        required = ",".join(self.required)
        optional = ",".join(c.name for c in self.columns if not c.required)
        return f"{required}[,{optional}]" if optional else required


HOLDINGS = Schema("holdings", (
    Column("account", TEXT, required=True),
    Column("model", TEXT, required=True),
    Column("symbol", TEXT, required=True),
    Column("value", NUMBER, required=True, example="12500.50"),
    Column("price", NUMBER, example="101.25"),
    Column("lot_size", NUMBER, blank=1.0, example="1"),
    Column("locked", FLAG),
    Column("cash_flow", NUMBER, blank=0.0, example="-5000"),
))

MODELS = Schema("models", (
    Column("model", TEXT, required=True),
    Column("symbol", TEXT, required=True),
    Column("target", NUMBER, required=True, example="0.25"),
    Column("price", NUMBER, example="101.25"),
))


# ------------------------------------------------------------------------- households (issue 17)

HOUSEHOLDS = Schema("households", (
    Column("household", TEXT, required=True),
    Column("model", TEXT, required=True),
    Column("short_term", NUMBER, required=True, example="0.35"),
    Column("long_term", NUMBER, required=True, example="0.15"),
    Column("state", NUMBER, blank=0.0, example="0.05"),
    Column("as_of", DATE),
    Column("drift_penalty", NUMBER, example="1"),
    Column("max_turnover", NUMBER, example="0.1"),
    Column("harvest_threshold", NUMBER, example="0.1"),
))

ACCOUNTS = Schema("accounts", (
    Column("household", TEXT, required=True),
    Column("account", TEXT, required=True),
    Column("type", TEXT, required=True),
    Column("cash", NUMBER, blank=0.0, example="2500"),
    Column("cash_flow", NUMBER, blank=0.0, example="-5000"),
))

HOUSEHOLD_HOLDINGS = Schema("holdings", (
    Column("household", TEXT, required=True),
    Column("account", TEXT, required=True),
    Column("symbol", TEXT, required=True),
    Column("shares", NUMBER, required=True, example="120"),
    Column("price", NUMBER, example="101.25"),
    Column("asset_class", TEXT),
    Column("no_sell", FLAG),
    Column("no_buy", FLAG),
    Column("account_type", TEXT),
    Column("cash_flow", NUMBER, blank=0.0, example="-5000"),
))

LOTS = Schema("lots", (
    Column("household", TEXT, required=True),
    Column("account", TEXT, required=True),
    Column("symbol", TEXT, required=True),
    Column("shares", NUMBER, required=True, example="50"),
    Column("cost_basis", NUMBER, required=True, example="4250.00"),
    Column("acquired", DATE, required=True),
))

HOUSEHOLD_MODELS = Schema("models", (
    Column("model", TEXT, required=True),
    Column("asset_class", TEXT, required=True),
    Column("target", NUMBER, required=True, example="0.25"),
))

SUBSTITUTES = Schema("substitutes", (
    Column("symbol", TEXT, required=True),
    Column("replacement", TEXT, required=True),
    Column("price", NUMBER, example="101.25"),
))

RECENT_TRADES = Schema("recent", (
    Column("household", TEXT, required=True),
    Column("account", TEXT, required=True),
    Column("symbol", TEXT, required=True),
    Column("shares", NUMBER, required=True, example="-20"),
    Column("date", DATE, required=True),
    Column("gain", NUMBER, blank=0.0, example="-350"),
))
