"""Statistics (统计): complaints, incidents and hazards of a month, quarter, half-year or year
(Order 17 第十条: 月度、季度、半年度和年度报告以及统计情况).

- ``periods``: the periods as local days and UTC instants;
- ``service``: the counts (:func:`period_statistics` -> :class:`Statistics`), from ``store.StatsRepo``;
- ``workbook``: the counts as an Excel workbook (openpyxl);
- ``terms`` / ``data/statistics.toml``: the words of the tables, sheets and charts.
"""

from handlers.statistics.periods import PERIOD_KINDS, instants, period_of, shift
from handlers.statistics.service import Statistics, incident_type, period_statistics
from handlers.statistics.terms import StatTerms, load_terms
from handlers.statistics.workbook import tables, write_workbook

__all__ = [
    "PERIOD_KINDS",
    "StatTerms",
    "Statistics",
    "incident_type",
    "instants",
    "load_terms",
    "period_of",
    "period_statistics",
    "shift",
    "tables",
    "write_workbook",
]
