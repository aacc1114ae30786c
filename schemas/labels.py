"""Labels and their synonyms, as printed in reports: the one place extractors look them up.

Canonical *values* (measure, source, level1/level2 ...) live in
``schemas.vocab``; this module holds the labels that locate values on a page
(titles, header cells, form field names). Every entry is a tuple of
synonyms, compared after removing whitespace and NFKC normalisation.
"""

from __future__ import annotations

import re

# ------------------------------------------------------------ report titles
# A page whose title (large font) matches one of these starts a report of
# that type. Patterns are regular expressions over the compacted title.

TITLE_PATTERNS: dict[str, tuple[str, ...]] = {
    "self_eval_form": (r"绩效自评.*(基础数据|自评表)", r"支出绩效自评表", r"自评基础数据表"),
    "dept_targets": (r"部门整体.*绩效目标", r"整体支出绩效目标"),
    "self_eval_report": (r"绩效自评报告", r"自评报告$"),
    "project_targets": (r"项目支出绩效目标(申报)?表", r"项目绩效目标表"),
    "evaluation_report": (r"(?<!自)评价报告", r"绩效评价报告"),
}

# Order matters where titles overlap: the first type whose pattern matches wins.
TITLE_ORDER: tuple[str, ...] = (
    "self_eval_report", "self_eval_form", "dept_targets", "project_targets", "evaluation_report",
)

# Header cells that identify a layout when a page has no large title
# (e.g. a form whose title was printed in body size, or a clipped scan).
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "self_eval_form": ("本次评价资金来源", "是否如期实现预期目标", "偏差原因分析及改进措施"),
    "dept_targets": ("年度重点工作任务", "部门整体支出年度绩效目标", "预算单位名称"),
    "self_eval_report": ("自评得分", "自评等次"),
    "project_targets": ("实施周期指标值", "年度指标值"),
    "evaluation_report": ("评价得分", "绩效评价指标评分表"),
}


def title_type(title: str) -> str | None:
    """The report type a compacted title announces, or None."""
    for report_type in TITLE_ORDER:
        if any(re.search(p, title) for p in TITLE_PATTERNS[report_type]):
            return report_type
    return None
