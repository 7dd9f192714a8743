"""Known transition points of the models rsmine samples (one definition each).

Used by the samplers (algorithm choice), the workflow (temperatures in units of
Tc) and the analyses (lines marked on the figures).
"""

import math

ISING_TC = 2.0 / math.log1p(math.sqrt(2.0))
"""Onsager's critical temperature of the square-lattice Ising model, J = k_B = 1
(the antiferromagnet's is the same)."""

DIMER_T_BKT = 0.65
"""BKT temperature of the interacting dimer model, 0.65(1) (paper Sec. III)."""

DIMER_T_BKT_ERR = 0.01

CHIPPING_W_MEAN_FIELD = 1.0 / 3.0
"""Mean-field transition of the chipping–aggregation chain at density 1 in
rsmine's convention (aggregation rate w, chipping rate 1): w = 1/3."""
