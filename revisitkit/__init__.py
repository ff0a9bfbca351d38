"""revisitkit: plan a company's year-end customer revisit campaign (年前回访).

The package does the planning; notebooks and dashboards only call it and draw.
Data flows one way: io -> schema -> segmentation -> (staffing -> budget), with the
campaign configuration and the working calendar passed in explicitly.
"""

__version__ = "0.1.0"
