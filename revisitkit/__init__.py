"""revisitkit: plan a company's year-end customer revisit campaign (年前回访).

The package does the planning; notebooks and dashboards only call it and draw.
Data flows one way: io (checked by the contracts in schema) -> segmentation ->
(staffing -> budget) -> kpi, with the campaign configuration and the working calendar passed
in explicitly. Imports run one way too: store -> the planning modules (io beside them) ->
schema -> calendar -> config -> errors.
"""

__version__ = "0.1.0"
