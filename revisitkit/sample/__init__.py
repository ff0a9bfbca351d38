"""Seeded sample generators: the kit's bundled sample data and the benchmark's input.

Every table the kit reads has a generator here, seeded and reproducible, and a writer that
turns the canonical frame into what the source system's export looks like (Chinese headers and
labels): ``revisitkit sample --out data/sample`` writes the bundled sample with them.

- :mod:`~revisitkit.sample.customers`: the customer base (:func:`generate_customers`,
  :func:`to_crm_export`), drawn with the shares of :class:`SampleProfile`
  (:mod:`~revisitkit.sample.profile`); its names and contact data come from
  :mod:`~revisitkit.sample.names`.
- :mod:`~revisitkit.sample.roster`: a staff roster sized from a plan (:func:`generate_roster`,
  :func:`to_roster_export`).
- :mod:`~revisitkit.sample.spend`: actual spend around a monthly budget
  (:func:`generate_actuals`, :func:`to_actuals_export`, :data:`SAMPLE_REVIEW_DATE`).
- :mod:`~revisitkit.sample.outcomes`: the revisit outcomes of a scheduled plan
  (:func:`simulate_outcomes`, :func:`to_outcomes_export`);
- :mod:`~revisitkit.sample.problems`: the problems those outcomes raised, handed on
  (:func:`simulate_problems`, :func:`to_problems_export`).
"""

from __future__ import annotations

from revisitkit.sample.customers import (
    CHINESE_HEADERS,
    COLUMNS,
    PROFILE,
    SampleProfile,
    generate_customers,
    to_crm_export,
)
from revisitkit.sample.outcomes import simulate_outcomes, to_outcomes_export
from revisitkit.sample.problems import simulate_problems, to_problems_export
from revisitkit.sample.roster import ROSTER_CHINESE_HEADERS, generate_roster, to_roster_export
from revisitkit.sample.spend import SAMPLE_REVIEW_DATE, generate_actuals, to_actuals_export

__all__ = [
    "CHINESE_HEADERS",
    "COLUMNS",
    "PROFILE",
    "ROSTER_CHINESE_HEADERS",
    "SAMPLE_REVIEW_DATE",
    "SampleProfile",
    "generate_actuals",
    "generate_customers",
    "generate_roster",
    "simulate_outcomes",
    "simulate_problems",
    "to_actuals_export",
    "to_crm_export",
    "to_outcomes_export",
    "to_problems_export",
    "to_roster_export",
]
