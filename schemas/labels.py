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
    "self_eval_report": (r"绩效自评报告", r"自评报告$", r"绩效自?评报告$"),  # OCR may drop the 自
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
    "evaluation_report": ("评价得分", "绩效评价指标评分表", "评分标准", "指标解释", "评分情况表"),
}


# Canonical title phrases, for titles OCR read with a character or two wrong.
TITLE_PHRASES: dict[str, tuple[str, ...]] = {
    "self_eval_report": ("绩效自评报告",),
    "self_eval_form": ("绩效自评基础数据表", "项目支出绩效自评表"),
    "dept_targets": ("部门整体预算绩效目标表", "部门整体支出绩效目标表"),
    "project_targets": ("项目支出绩效目标表",),
    "evaluation_report": ("绩效评价报告", "部门评价报告"),
}


# A bare attachment label printed above a form's title (附件4, 附件一：); never part of the title.
ATTACHMENT_LABEL = re.compile(r"^附件\s*[\d一二三四五六七八九十\-—]*\s*[:：]?$")


def title_type(title: str) -> str | None:
    """The report type a compacted title announces, or None."""
    for report_type in TITLE_ORDER:
        if any(re.search(p, title) for p in TITLE_PATTERNS[report_type]):
            return report_type
    return None


# ------------------------------------------------------------ self_eval_form
# 项目支出绩效自评（基础数据）表 (seed 000). Each tuple lists the synonyms of
# one form label; the first is the canonical spelling (used as the fact key
# when a label is only recognised fuzzily, e.g. after an OCR error).

SEF_PROJECT_NAME: tuple[str, ...] = ("项目名称", "项目全称")
SEF_DEPARTMENT: tuple[str, ...] = ("主管部门", "主管单位", "主管部门名称", "主管部门（单位）")
SEF_UNIT: tuple[str, ...] = ("实施单位", "项目实施单位", "实施单位名称", "项目单位")
SEF_CONTENT: tuple[str, ...] = ("支出主要内容", "项目主要内容", "主要支出内容", "主要实施内容")
SEF_GOAL: tuple[str, ...] = ("预期目标综述", "预期目标", "年度预期目标", "绩效目标综述")
SEF_FILLER: tuple[str, ...] = (
    "填报单位名称（盖章）", "填报单位名称", "填报单位（盖章）", "填报单位",
)
SEF_AMOUNT_UNIT: tuple[str, ...] = ("金额单位", "单位")
SEF_YEAR: tuple[str, ...] = ("评价年度", "资金安排年份", "预算年度")
SEF_AMOUNT: tuple[str, ...] = ("评价金额",)
SEF_ACHIEVED: tuple[str, ...] = ("是否如期实现预期目标", "是否实现预期目标", "是否如期实现目标")
SEF_SCORE: tuple[str, ...] = ("自评得分", "自评总分", "总得分", "评价得分")
# The closing row of the indicator grid whose 得分 column holds the total (national 自评表).
SEF_TOTAL_ROW: tuple[str, ...] = ("总分", "合计", "总计", "合计得分")
SEF_GRADE: tuple[str, ...] = ("自评等次", "自评等级", "评价等次", "评价等级")
# The options of the check-box fields (是否如期实现预期目标, 是否完工, 是否验收).
SEF_CHOICES: tuple[str, ...] = ("部分实现", "是", "否")

# Form labels whose value becomes a ``facts`` row (key = the label as printed).
SEF_FACT_LABELS: tuple[tuple[str, ...], ...] = (
    SEF_YEAR,
    SEF_AMOUNT,
    ("联系人及联系电话（含手机）", "联系人及联系电话", "联系人及电话", "联系人及联系方式"),
    ("联系邮箱", "电子邮箱", "联系人邮箱"),
    ("联系人", "项目联系人"),
    ("联系电话", "联系电话（含手机）", "联系方式"),
    ("实施文件依据", "文件依据", "项目实施文件依据"),
    ("存在问题和改进措施", "存在问题及改进措施", "存在的问题和改进措施"),
    ("立项情况（包含概算调整情况）", "立项情况（含概算调整情况）", "立项情况"),
    ("政府采购情况",),
    ("项目管理制度文件", "管理制度文件", "项目管理制度"),
    ("是否完工",),
    ("完工时间",),
    ("是否验收",),
    ("验收时间",),
    ("验收文件及文号", "验收文件及文件号", "验收文件"),
    ("实际完成情况", "总体目标实际完成情况"),
    SEF_ACHIEVED,
)

# Section captions and table headers: never a value.
SEF_SECTIONS: tuple[str, ...] = (
    "基本情况", "资金安排和使用情况", "资金使用情况", "项目管理情况", "评价年度总体目标",
    "年度总体目标", "绩效指标", "验收情况",
)

# The fund table: the header over the source column (its level sub-headers
# are schemas.vocab.BUDGET_LEVELS).
SEF_FUND_SOURCE: tuple[str, ...] = ("本次评价资金来源", "评价资金来源", "资金来源", "项目资金（万元）", "项目资金")

# The indicator grid's column headers, and what a placeholder row's name says.
SEF_EMPTY_VALUES: tuple[str, ...] = ("/", "／", "-", "--", "—", "——", "\\")  # a form field left blank
SEF_PLACEHOLDERS: tuple[str, ...] = ("无", "空", "N/A", *SEF_EMPTY_VALUES)
SEF_IND_LEVEL1: tuple[str, ...] = ("一级指标",)
SEF_IND_LEVEL2: tuple[str, ...] = ("二级指标",)
SEF_IND_NAME: tuple[str, ...] = ("三级指标名称", "三级指标", "指标名称")
SEF_IND_TARGET: tuple[str, ...] = ("预期目标值", "预期指标值", "目标值", "年度指标值", "指标值")
SEF_IND_ACTUAL: tuple[str, ...] = ("实际完成值", "实际值", "完成值", "实际完成指标值")
SEF_IND_DEVIATION: tuple[str, ...] = (
    "目标偏差原因分析及改进措施", "偏差原因分析及改进措施", "偏差原因分析", "未完成原因分析",
    "偏差原因及改进措施",
)
SEF_IND_WEIGHT: tuple[str, ...] = ("分值", "指标分值", "权重", "权重分")
SEF_IND_SCORE: tuple[str, ...] = ("得分", "指标得分", "评分")
# ---------------------------------------------------------- end self_eval_form


# ------------------------------------------------ self_eval_report (seed 002)
# 财政支出（项目）绩效自评报告: cover '标签：值' lines, 一、项目概况 form grid,
# fund table (投入指标 × sources), expense detail, score table, findings.
# Labels are compared without whitespace and without a trailing
# parenthetical note ('自评情况说明（每项指标描述在100字以内）').

SER_COVER_PROJECT: tuple[str, ...] = ("项目名称",)
SER_REGION: tuple[str, ...] = ("县（区）", "县(市、区)", "市（县、区）", "县（市、区）", "市县", "县区", "地区")
SER_DEPARTMENT: tuple[str, ...] = ("项目主管部门", "本级项目主管部门", "主管部门", "项目主管单位", "填报单位")
SER_UNIT: tuple[str, ...] = ("项目实施单位", "实施单位", "资金使用单位")
SER_AMOUNT_UNIT: tuple[str, ...] = ("金额单位", "单位")
SER_PROJECT_NAME: tuple[str, ...] = ("项目名称",)
SER_FISCAL_YEAR: tuple[str, ...] = ("资金安排年份", "资金安排年度", "预算年度", "评价年度")
SER_CONTENT: tuple[str, ...] = ("项目实施主要内容", "项目主要实施内容", "主要实施内容", "项目主要内容")
# Form cells whose right neighbour is stored as a fact under the label.
SER_FORM_FACTS: tuple[str, ...] = (
    "资金安排年份", "资金安排年度", "预算年度", "评价年度", "联系人", "电话", "联系电话", "手机",
    "传真", "地址", "邮编", "邮政编码", "电子邮箱", "项目主管单位基本情况", "项目单位基本情况",
)
SER_FUND_HEADER: tuple[str, ...] = ("投入指标", "资金投入指标")
SER_DETAIL_HEADER: tuple[str, ...] = ("资金实际支出明细内容", "资金实际支出明细", "实际支出明细内容", "支出明细内容")
SER_DETAIL_BASIS: tuple[str, ...] = ("资金支出依据", "支出依据")
SER_TOTAL: tuple[str, ...] = ("合计", "总计", "总分", "合计得分", "总得分")
SER_SCORE_LEVEL1: tuple[str, ...] = ("一级指标",)
SER_SCORE_LEVEL2: tuple[str, ...] = ("二级指标",)
SER_SCORE_NAME: tuple[str, ...] = ("三级指标",)
SER_SCORE_SCORE: tuple[str, ...] = ("自评得分", "得分", "评价得分")
SER_SCORE_WEIGHT: tuple[str, ...] = ("分值", "权重", "标准分值", "指标分值")
SER_SCORE_NOTE: tuple[str, ...] = ("自评情况说明", "情况说明", "指标说明", "评分说明")
SER_GRADE: tuple[str, ...] = ("自评等次", "自评等级", "评价等次", "等次")
SER_FINDING_SEQ: tuple[str, ...] = ("序号",)
SER_FINDING_PROBLEM: tuple[str, ...] = ("主要问题及原因", "存在问题及原因", "存在问题", "主要问题")
SER_FINDING_MEASURE: tuple[str, ...] = ("改进计划或建议", "改进计划及建议", "改进措施", "改进意见", "有关建议")
# Printed in empty cells: not values.
SER_PLACEHOLDERS: tuple[str, ...] = ("无", "/", "-", "--", "—", "——", "...", "…", "……", "／")
# A section heading ('一、项目概况') ends the cover page's '标签：值' lines.
SER_SECTION_HEADING = r"^[一二三四五六七八九十]+[、.．]"
# --------------------------------------------- end self_eval_report section

# ------------------------------------------------- dept_targets (seed 001)
# 部门整体预算绩效目标表. Header labels are compared after dropping a
# trailing bracketed note ('预算金额（万元）', '期望达到的目标（概述）').
DT_DEPARTMENT: tuple[str, ...] = ("主管部门名称", "主管部门", "部门名称")
DT_UNIT: tuple[str, ...] = ("预算单位名称", "预算单位", "单位名称")
# Form cells whose right neighbour is stored as a fact under the label.
DT_FORM_FACTS: tuple[str, ...] = (
    "在职人数", "离退休人数", "编制人数", "实有人数", "在编人数", "财政供养人员数",
    "总体绩效目标", "部门整体支出年度绩效目标", "部门整体年度绩效目标", "年度绩效目标",
    "部门整体绩效目标", "整体绩效目标", "年度总体目标", "总体目标", "部门职能职责概述", "部门职责",
)
DT_FISCAL_YEAR: tuple[str, ...] = ("预算年度", "年度")
DT_AMOUNT_UNIT: tuple[str, ...] = ("单位", "金额单位", "计量单位")
# '按…划分' headers of the budget block → the fund field their rows fill.
DT_SPLIT_HEADERS: dict[str, tuple[str, ...]] = {
    "category": ("按支出类型划分", "按支出性质划分", "按支出功能划分", "按支出类型", "按支出性质"),
    "source": ("按收入来源划分", "按资金来源划分", "按收入来源", "按资金来源"),
    "level": ("按预算级次划分", "按预算级次", "按资金级次划分"),
}
DT_BUDGET_AMOUNT: tuple[str, ...] = ("预算金额", "预算数", "金额", "预算资金")
DT_TOTAL: tuple[str, ...] = ("合计", "总计", "小计", "预算总额", "资金总额")
# Budget-level rows → SCHEMA funds.level: schemas.vocab.BUDGET_LEVELS.
DT_TASK_NAME: tuple[str, ...] = ("名称", "任务名称", "项目名称", "工作任务名称")
DT_TASK_CONTENT: tuple[str, ...] = ("主要实施内容", "主要内容", "实施内容", "工作内容")
DT_TASK_AMOUNT: tuple[str, ...] = ("拟投入的资金", "拟投入资金", "投入资金", "预算资金", "预算金额")
DT_TASK_GOAL: tuple[str, ...] = ("期望达到的目标", "期望达到目标", "预期目标", "预期达到的目标", "绩效目标")
DT_LEVEL1: tuple[str, ...] = ("一级指标",)
DT_LEVEL2: tuple[str, ...] = ("二级指标",)
DT_NAME: tuple[str, ...] = ("三级指标", "指标名称", "绩效指标名称")
DT_TARGET: tuple[str, ...] = ("指标值", "目标值", "年度指标值", "预期目标值", "绩效指标值")
# captions of the form's row blocks (merged cells in the first column): never a slip of a header
DT_CAPTIONS: tuple[str, ...] = ("预算整体情况", "年度重点工作任务", "绩效指标", "其他需完成的任务")
# Printed in empty cells and placeholder rows: not values.
DT_PLACEHOLDERS: tuple[str, ...] = ("无", "/", "-", "--", "—", "——", "／", "…", "……")
# ------------------------------------------------------ end dept_targets

# ---------------------------------------------- project_targets (seed 003)
# 项目支出绩效目标表（含转移支付项目）: one row per unit and project.
PT_DEPARTMENT: tuple[str, ...] = ("部门名称", "主管部门", "主管部门名称", "预算部门", "单位名称")
PT_AMOUNT_UNIT: tuple[str, ...] = ("单位", "金额单位", "计量单位")
PT_FISCAL_YEAR: tuple[str, ...] = ("预算年度", "年度")
PT_NAME: tuple[str, ...] = ("项目名称", "项目名称（资金使用单位）", "项目（单位）名称", "单位及项目名称")
PT_GOAL: tuple[str, ...] = ("绩效目标", "年度绩效目标", "项目绩效目标")
PT_INDICATORS: tuple[str, ...] = ("绩效指标", "年度绩效指标", "项目绩效指标")
# Amount column headers meaning the total of all sources (SCHEMA source 合计).
PT_TOTAL: tuple[str, ...] = ("总计", "合计", "小计", "资金总额", "预算总额")
# Inline indicator entries: '1-产出指标；11-数量指标；名称；实施周期指标值:X；年度指标值:Y'.
# Value labels → SCHEMA indicators.period (None: no period printed).
PT_PERIOD_LABELS: dict[str, tuple[str, ...]] = {
    "实施周期": ("实施周期指标值", "实施周期目标值", "中长期指标值", "中长期目标值"),
    "年度": ("年度指标值", "年度目标值", "本年度指标值"),
    "": ("指标值", "目标值"),
}
PT_PLACEHOLDERS: tuple[str, ...] = ("无", "/", "-", "--", "—", "——", "／")
# ----------------------------------------------------- end project_targets

# ------------------------------------------- evaluation_report (seed 004)
# 绩效评价报告 (部门评价 / 第三方评价): cover '标签：值' lines, a numbered
# narrative, the target table, the score summary, the score table and the
# appendix of criteria. Labels are compared without whitespace and without
# a trailing bracketed note ('主管部门（公章）').

EVAL_TOC_TITLES: tuple[str, ...] = ("目录", "目次")
# Cover fields that fill report fields (the other cover pairs become facts).
EVAL_COVER_FIELDS: dict[str, tuple[str, ...]] = {
    "project_name": ("项目名称", "评价项目名称", "评价项目"),
    "department": ("主管部门", "主管单位", "项目主管部门", "部门名称", "预算部门", "主管部门名称"),
    "unit": ("实施单位", "项目实施单位", "预算单位", "项目单位"),
}
# Other cover labels (their values are facts), recognised without a colon or in a cover grid.
EVAL_COVER_FACTS: tuple[str, ...] = (
    "项目负责人", "填报人", "联系人", "联系电话", "评价机构", "评价单位", "委托单位", "报告日期", "评价时间",
)
# Narrative '（n）标签：值' lines stored as facts.
EVAL_PROSE_FACTS: tuple[str, ...] = (
    "评价期限", "评价期间", "评价时段", "评价周期", "评价年度", "涉及财政预算资金", "涉及财政资金",
    "涉及资金", "涉及预算资金",
)
EVAL_OBJECT: tuple[str, ...] = ("评价对象", "评价项目")
EVAL_YEAR_FACTS: tuple[str, ...] = ("评价年度", "评价期限", "评价期间", "评价时段", "评价周期")
# Fund phrases in the prose ('实际执行金额1256.72万元'); schemas.vocab maps them to measures.
EVAL_FUND_PHRASES: tuple[str, ...] = (
    "年初预算金额", "年初预算数", "预算金额", "预算总额", "预算资金", "调整后预算数", "全年预算数",
    "实际到位资金", "到位资金", "实际执行金额", "实际执行数", "实际支出金额", "实际支出资金",
    "实际支出", "结余资金", "资金结余",
)
# Printed rates in the prose stored as facts when stated as '预算执行率为99.31%'.
EVAL_RATE_FACTS: tuple[str, ...] = (
    "预算执行率", "资金到位率", "实际到位率", "支出实现率", "预算完成率", "成本控制率", "资金执行率",
)
EVAL_RATE_VERBS: tuple[str, ...] = ("为", "是", ":", "：")
EVAL_TOTAL_SCORE: tuple[str, ...] = (
    "综合得分", "综合评分", "总得分", "评价总得分", "综合评价得分", "最终得分", "评价得分", "总分",
)
EVAL_GRADE_LABELS: tuple[str, ...] = (
    "绩效评价等级", "绩效评价等次", "评价等级", "评价等次", "绩效等级", "绩效等次", "等级", "等次",
)
# Printed grade words → SCHEMA grade.
EVAL_GRADES: dict[str, str] = {
    "优秀": "优秀", "良好": "良好", "中等": "中等", "及格": "及格", "不及格": "不及格", "合格": "及格",
    "差": "差", "优": "优秀", "良": "良好", "中": "中等",
}
# Section headings (numbering removed), as regular expressions.
EVAL_PROBLEM_HEADINGS: tuple[str, ...] = (r"存在的?(主要)?问题", r"^主要问题", r"问题及原因")
EVAL_MEASURE_HEADINGS: tuple[str, ...] = (r"建议", r"改进措施", r"整改措施", r"对策")
EVAL_CONTENT_HEADINGS: tuple[str, ...] = (r"主要内容", r"建设内容", r"实施内容")
EVAL_GOAL_HEADINGS: tuple[str, ...] = (r"总体目标", r"总目标", r"^(项目)?绩效目标$")
# A numbered item inside a section: 一是 / 第一 / （一） / 1. / (1) / ①.
EVAL_ITEM_MARKER = r"^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、:：]|[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．](?!\d)|[①-⑳])"
# Table headers → the score / indicator field of their column.
EVAL_HEADERS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "三级指标名称", "指标名称"),
    "weight": ("权重", "权重分", "分值", "标准分", "标准分值", "指标分值", "满分", "指标权重"),
    "score": ("得分", "评价得分", "实际得分", "评分", "评分结果"),
    "target": ("指标值", "年度指标值", "实施周期指标值", "目标值", "年度目标值", "预期目标值",
               "绩效目标值", "指标目标值", "绩效指标值"),
    "actual": ("完成值", "实际完成值", "实际值", "实际完成情况", "完成情况"),
    "criteria": ("评分标准", "评分细则", "评价标准", "评分方法", "计分方法", "评分规则"),
    "note": ("指标说明", "指标解释", "指标内涵", "评分依据", "指标说明及评分依据", "情况说明"),
}
# A target column's header → SCHEMA indicators.period.
EVAL_PERIODS: dict[str, tuple[str, ...]] = {
    "年度": ("年度指标值", "年度目标值", "本年度指标值"),
    "实施周期": ("实施周期指标值", "实施周期目标值", "中长期指标值"),
}
# The score summary (表3-1): row or column labels of its measures.
EVAL_SUMMARY_MEASURES: tuple[str, ...] = ("权重", "权重分", "分值", "标准分", "得分", "实际得分", "得分率")
EVAL_TOTAL_ROW: tuple[str, ...] = ("合计", "总计", "总分", "合计得分", "总得分", "小计")
EVAL_PLACEHOLDERS: tuple[str, ...] = ("无", "/", "-", "--", "—", "——", "／", "…", "……")
# ---------------------------------------------------- end evaluation_report
