"""The data contracts: one module per input table, every problem of a file reported at once.

* :mod:`~revisitkit.schema.columns` — what the tables share: :class:`Column`, header
  normalisation and checks, cell parsing (text, money, counts, dates), where a problem is
  (:class:`Source`), and the config's region clusters and industry groups (:func:`map_groups`);
* :mod:`~revisitkit.schema.customers` — the customers file (a CRM export; a pandera schema for
  the range and uniqueness checks): :func:`parse_customers`;
* :mod:`~revisitkit.schema.roster` — the staff roster: :func:`parse_roster`;
* :mod:`~revisitkit.schema.problems` — the problems handed on (问题转办): :func:`parse_problems`;
* :mod:`~revisitkit.schema.outcomes` — the revisit outcomes file: :func:`parse_outcomes`;
* :mod:`~revisitkit.schema.actuals` — actual spend and the monthly budget a plan wrote:
  :func:`parse_actuals`, :func:`parse_monthly`;
* :mod:`~revisitkit.schema.risks` — the risk register: :class:`Risk`, :func:`parse_fields`,
  the register's columns and headers.

The contracts take DataFrames as read (every value as text); :mod:`revisitkit.io` opens the
files. They import only :mod:`revisitkit.config` and :mod:`revisitkit.errors`.
"""

from revisitkit.schema.actuals import (
    ACTUALS_COLUMNS,
    parse_actuals,
    parse_monthly,
)
from revisitkit.schema.columns import (
    DATE_RANGE,
    EXPECTED,
    FLAG_VALUES,
    MAX_COUNT,
    MAX_ISSUES_PER_COLUMN,
    Column,
    Source,
    blank_mask,
    capped_issues,
    header_index,
    header_issues,
    map_groups,
    norm_header,
    parse_count,
    parse_date_text,
    parse_dates,
    parse_money,
    to_float,
)
from revisitkit.schema.customers import (
    BUSINESS_TYPE_VALUES,
    COLUMNS_BY_NAME,
    CUSTOMER_COLUMNS,
    CUSTOMER_HEADER_INDEX,
    NULL_WORDS,
    PERSONAL_COLUMNS,
    STATUS_VALUES,
    map_headers,
    parse_customers,
)
from revisitkit.schema.outcomes import (
    OUTCOME_COLUMNS,
    OUTCOME_COUNTS,
    OUTCOME_FIELDS,
    parse_outcomes,
)
from revisitkit.schema.problems import (
    PROBLEM_COLUMNS,
    PROBLEM_FIELDS,
    PROBLEM_TIMES,
    parse_problems,
    problem_id,
)
from revisitkit.schema.risks import (
    CATEGORIES,
    FIELDS,
    LIST_COLUMNS,
    REGISTER_COLUMNS,
    RESPONSE_LEVELS,
    RISK_HEADERS_ZH,
    SCALE_FIELDS,
    SIGNALS,
    STATUSES,
    STRATEGIES,
    Risk,
    RiskValidationError,
    make_risk,
    parse_fields,
    register_header_issues,
    validate_risk,
    whole_number,
)
from revisitkit.schema.roster import (
    MAX_HOURS_PER_DAY,
    ROSTER_COLUMNS,
    STAFF_FRAME_COLUMNS,
    parse_roster,
    role_lookup,
)

__all__ = [
    "ACTUALS_COLUMNS",
    "BUSINESS_TYPE_VALUES",
    "CATEGORIES",
    "COLUMNS_BY_NAME",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_HEADER_INDEX",
    "DATE_RANGE",
    "EXPECTED",
    "FIELDS",
    "FLAG_VALUES",
    "LIST_COLUMNS",
    "MAX_COUNT",
    "MAX_HOURS_PER_DAY",
    "MAX_ISSUES_PER_COLUMN",
    "NULL_WORDS",
    "OUTCOME_COLUMNS",
    "PROBLEM_COLUMNS",
    "PROBLEM_FIELDS",
    "PROBLEM_TIMES",
    "OUTCOME_COUNTS",
    "OUTCOME_FIELDS",
    "PERSONAL_COLUMNS",
    "REGISTER_COLUMNS",
    "RESPONSE_LEVELS",
    "RISK_HEADERS_ZH",
    "ROSTER_COLUMNS",
    "SCALE_FIELDS",
    "SIGNALS",
    "STAFF_FRAME_COLUMNS",
    "STATUSES",
    "STATUS_VALUES",
    "STRATEGIES",
    "Column",
    "Risk",
    "RiskValidationError",
    "Source",
    "blank_mask",
    "capped_issues",
    "header_index",
    "header_issues",
    "make_risk",
    "map_groups",
    "map_headers",
    "norm_header",
    "parse_actuals",
    "parse_count",
    "parse_customers",
    "parse_date_text",
    "parse_dates",
    "parse_fields",
    "parse_money",
    "parse_monthly",
    "parse_outcomes",
    "parse_problems",
    "problem_id",
    "parse_roster",
    "register_header_issues",
    "role_lookup",
    "to_float",
    "validate_risk",
    "whole_number",
]
