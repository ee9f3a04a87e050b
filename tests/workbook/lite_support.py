"""Shared by the Lite template tests: one build of ``xlfolio-lite.xlsx`` per test session. No tests here."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def lite_bytes() -> bytes:
    """The Lite template as ``xlfolio build-template --lite`` writes it."""
    from addin.template import build_lite_template

    return build_lite_template()
