"""One module per dashboard under ``dashboards/`` (the notebooks only assemble these).

Filters select rows of the plan and views draw them; nothing here edits data (the risk editor
of notebook 04 writes through :class:`revisitkit.store.RiskRegister`). Every view that shows
people passes them through :func:`revisitkit.views.privacy.mask_personal` first.

A redraw ends by writing a plain-text marker (``data-testid="filter-status"``) so that a browser
test can wait for the new state instead of guessing from images.
"""

from revisitkit.views.dashboards.budget import BudgetDashboard
from revisitkit.views.dashboards.overview import OverviewDashboard
from revisitkit.views.dashboards.problems import ProblemDashboard
from revisitkit.views.dashboards.risks import RiskDashboard, RiskEditor
from revisitkit.views.dashboards.segmentation import SegmentationDashboard
from revisitkit.views.dashboards.staffing import StaffingDashboard

__all__ = [
    "BudgetDashboard",
    "OverviewDashboard",
    "ProblemDashboard",
    "RiskDashboard",
    "RiskEditor",
    "SegmentationDashboard",
    "StaffingDashboard",
]
