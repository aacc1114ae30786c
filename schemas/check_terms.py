"""Words the consistency checks (``pipeline.checks``) read reports by.

Labels of printed totals, grades and group scores, the words that say an
indicator was not achieved, and the nouns the messages use. Compared after
:func:`schemas.text.compact` (NFKC, no whitespace).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

# Fact keys that print a report's (or project's) total score.
TOTAL_SCORE_KEYS: tuple[str, ...] = (
    "综合得分", "合计得分", "总得分", "总分", "得分合计", "自评得分", "自评总分", "评价得分",
    "评价总分", "综合评分", "总评分",
)

# Fact keys ending with one of these print a grade (自评等次, 绩效评价等级).
GRADE_KEY_ENDINGS: tuple[str, ...] = ("等次", "等级", "评级")

# A group's printed score, weight and rate: ``<group>得分`` / ``<group>权重`` / ``<group>得分率``.
GROUP_SCORE_SUFFIX = "得分"
GROUP_RATE_SUFFIX = "得分率"
GROUP_WEIGHT_SUFFIXES: tuple[str, ...] = ("权重", "分值", "标准分", "满分", "权重分")

# Words that state a weight and a score in narrative text
# (``决策类指标标准分为20分，实际得分19.97分，得分率99.85%``).
NARRATIVE_WEIGHT_WORDS: tuple[str, ...] = ("标准分", "权重分", "满分", "分值", "权重")
NARRATIVE_SCORE_WORDS: tuple[str, ...] = ("实际得分", "得分")
NARRATIVE_RATE_WORDS: tuple[str, ...] = ("得分率",)
# Printed group names end with these; stripped to compare ``决策类`` with ``项目决策``.
GROUP_NAME_PREFIXES: tuple[str, ...] = ("项目",)
GROUP_NAME_SUFFIXES: tuple[str, ...] = ("类指标", "指标", "类")

# An actual value saying the target was not reached.
NOT_MET_WORDS: tuple[str, ...] = (
    "未完成", "未达到", "未达成", "未实现", "未达标", "没有完成", "没有达到", "尚未完成",
    "不达标", "未按期完成", "未开展",
)

# Other denominators a printed rate may use (forms define 预算执行率 over the adjusted
# budget or the funds received, 实际到位率 over the budget): any one that fits is accepted.
ALT_DENOMINATORS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "预算数": ("调整后预算", "实际到位"),
    "实际投入": ("预算数", "调整后预算"),
    "实际到位": ("实际投入",),
})

# What a report calls its projects, for messages (default 项目).
PROJECT_NOUNS: Mapping[str, str] = MappingProxyType({
    "dept_targets": "年度重点工作任务",
})
DEFAULT_PROJECT_NOUN = "项目"
