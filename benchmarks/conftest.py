import os
import subprocess
import sys
from pathlib import Path

# BLAS on one thread, as in every add-in process (addin.blas) and for every peer beside us: set before
# NumPy and SciPy load their libraries (SciPy's loads lazily, after a fixture's threadpool_limits)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# The tests' cache root (before any kernel is imported): kernels cache in <root>/xlfolio-<key>, the
# subfolder of their sources' hash (kernels._jit.cache_folder), so benchmarks reuse what the tests compiled
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))


def factor_returns(n_obs, n_assets, seed=0, n_factors=5):
    """Seeded daily-like returns from a factor model (the same data for every implementation)."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 1.0, (n_factors, n_assets))
    factors = rng.normal(0.0, 0.008, (n_obs, n_factors))
    idio = rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.02, n_assets)
    return factors @ loadings + idio + rng.uniform(-2e-4, 8e-4, n_assets)


def run_in_fresh_process(script, cache_dir):
    """Run ``script`` in a new Python process with its own Numba cache root; return what it printed.

    The cold-start benchmarks use it: a warm ``cache_dir`` is what a returning Excel user has,
    an empty one what the first call after installing costs. The kernels cache in
    ``kernels._jit.cache_folder(cache_dir)`` (the subfolder of their sources' hash).
    """
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout


class PlainPythonWorker:
    """A Python process in the plain-Python mode (``XLFOLIO_DISABLE_NUMBA=1``, Numba not imported) that
    runs ``setup`` once and ``call`` (one statement) each time it is called.

    Calling it is one round trip through two pipes (about 0.05 ms, small beside what the plain-Python
    mode takes), so a benchmark of ``worker`` times the call as the mode runs it, beside the compiled
    call timed in the benchmark's own process.
    """

    def __init__(self, setup: str, call: str):
        script = f"{setup}\nimport sys\nfor _ in sys.stdin:\n    {call}\n    print(flush=True)\n"
        env = dict(os.environ, XLFOLIO_DISABLE_NUMBA="1", PYTHONPATH=str(ROOT))
        self._process = subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __call__(self) -> None:
        self._process.stdin.write("\n")
        self._process.stdin.flush()
        if not self._process.stdout.readline():
            raise RuntimeError("the plain-Python worker stopped (its error is on stderr)")

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._process.stdout.close()


def benchmark_mode(benchmark, mode, setup, statement, run, *args):
    """Time one call after a warm-up: ``statement`` in a :class:`PlainPythonWorker` (``mode`` "plain_python",
    after ``setup``), or ``run(*args)`` in this process (``mode`` "compiled": the warm-up compiles)."""
    if mode == "plain_python":
        worker = PlainPythonWorker(setup, statement)
        worker()
        try:
            benchmark(worker)
        finally:
            worker.close()
    else:
        run(*args)
        benchmark(run, *args)
