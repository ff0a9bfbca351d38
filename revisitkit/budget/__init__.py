"""What the campaign costs, what the budget allows, and what the money is expected to return.

The plan (§4.4) funds the campaign from the annual customer-management budget, split personnel
60% (salaries, travel), materials 20% (gifts, brochures), technology 15% (systems, training) and
contingency 5% (problem resolution), reviewed monthly, with a return target of 300% (§6.2: every
1 CNY spent brings 3 CNY). This module puts two views side by side:

* **top-down** — the total of ``budget.total_cny`` split by ``budget.split``;
* **bottom-up** — what this plan costs, customer by customer:

  - *personnel*: each person's hours on the customer's tasks (meeting, preparation and travel
    time; from the schedule when a staffing plan exists, else from the effort estimate of
    :func:`revisitkit.staffing.effort_summary`) × ``cost_per_hour`` of their role, plus travel
    expenses per person per on-site visit by distance class (``travel_cost``; the estimate
    assumes staff from another province of the customer's cluster);
  - *materials*: the segment's gift, a visit kit per on-site visit, the win-back offer per
    churned customer, a brochure per customer contacted by staff;
  - *technology*: systems and training (fixed), plus ``message_cost`` per automated contact
    (SMS, news push, survey invitation);
  - *contingency*: ``contingency_rate`` × the other three.

  Fixed costs (systems, training) and the contingency are spread over customers in proportion
  to their direct cost, so that a cost per customer and per segment adds up to the total.

Expected return per customer (incremental gross profit, ``gross_margin`` × revenue): core
``revenue_share`` of revenue kept from churning; potential a revenue uplift plus leads
(``lead_rate`` × ``lead_conversion`` × ``lead_value``); churned ``winback_rate`` × last year's
revenue; new and regular a revenue share. ROI = expected return / cost (the plan's reading:
300% = 3 CNY back per CNY).

:class:`Optimizer` allocates a given total across segments (and so their channel plans) to
maximise the expected return, every high-priority customer covered and each category's share
within ``share_tolerance`` of the split (a small integer program, scipy's HiGHS), and says in
words which constraints bind; a total too small says how much more is needed.

Monthly review: :meth:`BudgetPlan.monthly` spreads each category's budget over the months of
the campaign (personnel by when the work is scheduled; materials and technology in the month
preparation starts; contingency by execution working days); :func:`revisitkit.io.load_actuals`
reads an actual-spend file and :func:`variance` compares the two, month by month.

The package's modules: :mod:`~revisitkit.budget.costs` (the bottom-up cost and return of each
customer), :mod:`~revisitkit.budget.plan` (:func:`plan_budget`, :class:`BudgetPlan`, the split
to the cent, the month profile), :mod:`~revisitkit.budget.optimizer` (:class:`Optimizer`,
:class:`Allocation`) and :mod:`~revisitkit.budget.actuals` (:func:`variance`,
:func:`overspend_total`). Import from ``revisitkit.budget``.
"""

from revisitkit.budget.actuals import overspend_total, variance
from revisitkit.budget.costs import customer_costs, expected_returns
from revisitkit.budget.optimizer import Allocation, Optimizer
from revisitkit.budget.plan import BudgetPlan, plan_budget, split_cents
from revisitkit.config import BUDGET_CATEGORIES

__all__ = [
    "CATEGORIES",
    "Allocation",
    "BudgetPlan",
    "Optimizer",
    "customer_costs",
    "expected_returns",
    "overspend_total",
    "plan_budget",
    "split_cents",
    "variance",
]

#: The budget's categories, in the split's order (the plan's vocabulary, :mod:`revisitkit.config`).
CATEGORIES = BUDGET_CATEGORIES
