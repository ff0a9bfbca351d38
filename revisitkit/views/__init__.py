"""What people read: the plan's results as words, tables, charts, workbooks and dashboards.

* :mod:`~revisitkit.views.labels` — every label, once: Chinese headers, codes to names, KPI
  statuses, phases;
* :mod:`~revisitkit.views.tables` — labelled tables shared by the workbook, the dashboards and
  the report;
* :mod:`~revisitkit.views.html` — the HTML pieces of dashboards and report (style, tiles, lights);
* :mod:`~revisitkit.views.plots` — charts with a CJK font;
* :mod:`~revisitkit.views.privacy` — personal data masked for anything a manager sees;
* :mod:`~revisitkit.views.export` — the plan folder's files (CSV, plan.xlsx, calendars);
* :mod:`~revisitkit.views.report` — the dashboards as one static HTML file;
* :mod:`~revisitkit.views.dashboards` — one module per Voilà dashboard (ipywidgets).

Nothing here computes a plan: it takes the planning layer's results and shows them.
"""
