"""Every tolerance the tests use, named once, with the reason for its size.

A test imports the name it needs; a loosening changes the value here, with its comment.
"""

# Closed forms and exact arithmetic
RTOL_CLOSED_FORM = 1e-12  # a formula evaluated two ways agrees to rounding
RTOL_ESTIMATOR = 1e-10  # estimators against their NumPy/scikit-learn oracles: sums over thousands of rows
ATOL_ESTIMATOR = 1e-16  # covariance entries near zero (daily covariances are ~1e-4)
ATOL_EXACT = 1e-10  # an exact solver's weights against the exact critical-line path
ATOL = 1e-12  # exact splits of weights (allocation models)
ATOL_MONEY = 1e-8  # currency units: exact arithmetic up to float rounding on ~1e5 amounts
RTOL_CELLS = 1e-12  # a value read back from a workbook or a cell against the kernel that wrote it
RTOL_UDF_ORACLE = 1e-12  # an Excel function against the kernel it wraps (same arithmetic)

# Optimality conditions
RTOL_KKT = 1e-10  # stationarity and complementarity of an active-set answer
RTOL_LAMBDA = 1e-8  # the risk tolerance (lambda) of a max-Sharpe portfolio against the critical line
ATOL_FEASIBLE = 1e-10  # bounds and linear rows hold up to rounding
ATOL_FEASIBLE_INCOME = 1e-9  # income portfolios: the yield row is a sum of n products ~1e-2
ATOL_PUBLISHED = 1e-9  # Bailey & Lopez de Prado's turning points are printed to 1e-10

# Against other solvers (interior-point solvers stop at their own tolerances)
RTOL_ORACLE = 1e-8  # cvxpy/Clarabel with tightened tolerances: variance at a target return
RTOL_ORACLE_VARIANCE = 1e-8  # same, for the minimum variance
ATOL_ORACLE_WEIGHTS = 1e-6  # Clarabel's weights (its tolerances are ~1e-8 on the objective)
RTOL_QP = 1e-7  # Clarabel with tightened tolerances (its defaults give ~1e-5 here)
RTOL_OBJECTIVE = 1e-6  # income portfolios: volatility against cvxpy
ATOL_WEIGHTS = 5e-5  # income portfolios: weights against cvxpy (flat directions near the optimum)
RTOL_LP = 1e-6  # HiGHS' LP against a hand-worked answer
RTOL_MILP = 1e-6  # HiGHS' default MIP gap tolerances are ~1e-6 relative; distances here are a few hundred dollars
ATOL_CVXPY = 1e-5  # risk parity weights against cvxpy's log-barrier problem

# Risk parity budgets
RTOL_BUDGET = 1e-10  # relative risk contributions against the budgets (the solver stops at 1e-12)
RTOL_BUDGET_ILL = 1e-7  # condition numbers up to 1e8: the rounding limit of C x
ATOL_PRINTED = 0.05 + 1e-9  # values printed to one decimal in a paper

# Views and allocation (issue 16)
ATOL_PRINTED_HL = 6e-4  # He & Litterman (1999) print % to 0.1; their columns disagree by up to 0.05 (Table 4 France)
ATOL_PRINTED_IDZOREK_RETURNS = 1.5e-4  # Idzorek (2005) prints % to 0.01 from an unrounded C; with C as printed (6 decimals) pi is off by up to 1.41 bp
ATOL_PRINTED_IDZOREK_WEIGHTS = 1e-3  # weights w_mkt + (delta C)^-1 tilt amplify C's printed rounding (0.09 pp seen)
ATOL_PRINTED_PYPFOPT = 1e-6  # PyPortfolioOpt's tests use assert_almost_equal (6 decimals)
RTOL_PEER_LINALG = 1e-10  # the same closed form evaluated by a peer in another order (PyPortfolioOpt, sklearn)

# One kernel, three ways: compiled, as Python loops (``.py_func``) and as its NumPy path (plain-Python mode)
RTOL_PATHS = 1e-13  # the same steps; only the order of sums differs (and the one reassociated dot product)
RTOL_SOLVE_PATHS = 1e-10  # a whole iterative solve: those roundings meet the 1e-12 stopping rule at other points
RTOL_SINGLE = 1e-5  # float32 Cholesky factors from two LAPACK builds (SciPy's for compiled code, NumPy's)
# Simulation (issue 15)
RTOL_PEER_BACKTEST = 1e-9  # bt and vectorbt values on the bundled prices (they agree to ~1e-14; the issue asks 1e-9)
RTOL_NAIVE_BACKTEST = 1e-10  # the row-by-row NumPy backtest: other summation orders, levelling by bisection
RTOL_STATISTICS = 1e-10  # PV statistics against pandas / ffn / quantstats / empyrical on the same monthly returns
RTOL_NAIVE_PLAN = 1e-10  # Monte Carlo paths against the plain NumPy plan (matrix products instead of loops)
ATOL_RATE_BIN = 1e-4 + 1e-12  # withdrawal rates are read off histogram bins 0.0001 wide
RTOL_VALUE_BIN = 1 / 64  # a value percentile lies in the bin of the exact order statistic: at most 1/64 of it wide
# Household rebalancing (issue 17)
RTOL_TIE_BREAK = 1e-5  # of the household's value: the tie-breaks (kernels.household.model.TIE_BREAKS) add at most
# 4e-6 of the value traded plus 5e-7 of the largest deviation to the objective an oracle without them minimises
RTOL_HOUSEHOLD = 1e-12  # of the household's value: amounts recomputed from the same shares (float rounding)
RTOL_NUMPY_PATH = 1e-11  # a kernel's NumPy path against its loops: the KKT inverse updated in another summation order, relative to max|M|
# optimiser options (issue 16)
ATOL_ORACLE_WEIGHTS_FLAT = 2e-5  # Clarabel's weights on a flat optimum: a target risk with L2 moves the objective by ~1e-11 over 3e-6 of weight
ATOL_PYPFOPT_WEIGHTS = 1e-5  # PyPortfolioOpt's weights from cvxpy/Clarabel at its default tolerances (~1e-8 on the objective)
