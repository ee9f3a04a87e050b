"""addin.blas: every process of the add-in runs BLAS on one thread unless told otherwise."""

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
{first}
import addin, scipy.linalg
from threadpoolctl import threadpool_info
print(json.dumps(sorted({{i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}})))
"""


def _threads(env_extra: dict, first: str = "") -> list[int]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "XLFOLIO_BLAS_THREADS")}
    env.update(env_extra)
    done = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("first", ["", "import numpy, xlwings"], ids=["addin-first", "numpy-loaded-first"])
def test_one_thread_by_default_even_when_numpy_loaded_first(first):
    assert _threads({}, first) == [1]


def test_xlfolio_blas_threads_sets_another_count():
    assert _threads({"XLFOLIO_BLAS_THREADS": "2"}, "import numpy") == [2]


def test_a_count_the_user_gave_openblas_is_kept():
    assert _threads({"OPENBLAS_NUM_THREADS": "2"}) == [2]


def test_a_malformed_count_means_one():
    assert _threads({"XLFOLIO_BLAS_THREADS": "many"}) == [1]
