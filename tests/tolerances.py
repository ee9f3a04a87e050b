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
RTOL_NUMPY_PATH = 1e-11  # a kernel's NumPy path against its loops: the KKT inverse updated in another summation order, relative to max|M|
