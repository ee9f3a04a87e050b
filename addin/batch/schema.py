"""The columns of each input file kind, in one place (holdings, models; households and lots can follow).

A :class:`Schema` names its columns, says which are required, how each is read (text, number, flag)
and what a blank means. The reader (:mod:`addin.batch.reading`) reads any schema from CSV or Parquet;
the checks of one file kind (:mod:`addin.batch.checks`) apply its own rules on top.
"""

from __future__ import annotations

from typing import NamedTuple

TEXT, NUMBER, FLAG = "text", "number", "flag"

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
