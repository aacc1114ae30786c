"""SQL views for auditors, portable between SQLite and PostgreSQL.

``create_schema(engine, views=all_views())`` (as ``pipeline.ingest.engine_for``
does) drops and re-creates them, after those of :data:`schemas.db.VIEW_DDL`:

* ``v_indicators``: indicators with report title, region, fiscal year,
  department and project name, and ``target_met`` (1/0; NULL when the
  target is qualitative, a value is missing or the units differ).
* ``v_fund_execution``: one row per report and project (project NULL:
  department totals) with 预算数, 调整后预算, 实际到位, 实际支出, 资金结余
  and the execution rate 实际支出 / (调整后预算, else 预算数) in percent.
  Per measure the 合计 column is used, else the column without a source,
  else the sum of the sources; per source the row without a level, else
  the sum of the levels. Detail lines (a category) are left out.
* ``v_scores``: score rows with their level1 and level2 groups' weight and
  score sums.
* ``v_department_year``: per department and fiscal year: reports,
  projects, budget and spending (projects' amounts; a report without
  project amounts counts its largest department total) and the average
  total score.
* ``v_review``: values read with OCR confidence below 0.9, with file,
  page and box (``jixiao review`` does the same with any threshold).
"""

from __future__ import annotations

from schemas.db import VIEW_DDL

REVIEW_THRESHOLD = 0.9


def _met(op: str, test: str) -> str:
    return f"WHEN i.target_op = '{op}' THEN CASE WHEN {test} THEN 1 ELSE 0 END"


V_INDICATORS = f"""CREATE VIEW v_indicators AS
SELECT i.indicator_id, i.report_id, r.title AS report_title, r.region, r.fiscal_year, r.department,
       i.project_id, p.name AS project_name, i.level1, i.level2, i.name, i.target, i.target_op,
       i.target_value, i.target_high, i.target_unit, i.actual, i.actual_value, i.actual_unit,
       i.period, i.deviation, i.weight, i.score,
       CASE WHEN i.target_value IS NULL OR i.actual_value IS NULL THEN NULL
            WHEN COALESCE(i.target_unit, '') <> COALESCE(i.actual_unit, '') THEN NULL
            {_met('>=', 'i.actual_value >= i.target_value')}
            {_met('=', 'i.actual_value >= i.target_value')}
            {_met('>', 'i.actual_value > i.target_value')}
            {_met('<=', 'i.actual_value <= i.target_value')}
            {_met('<', 'i.actual_value < i.target_value')}
            {_met('range', 'i.actual_value >= i.target_value AND i.actual_value <= i.target_high')}
            ELSE NULL END AS target_met,
       i.page, i.bbox, i.confidence
FROM indicators i
JOIN reports r ON r.report_id = i.report_id
LEFT JOIN projects p ON p.project_id = i.project_id"""


def _measure(name: str, column: str) -> str:
    return f"MAX(CASE WHEN measure = '{name}' THEN amount_e6 END) AS {column}"


V_FUND_EXECUTION = f"""CREATE VIEW v_fund_execution AS
WITH by_source AS (
    SELECT report_id, project_id, measure, source,
           COALESCE(SUM(CASE WHEN level IS NULL THEN amount_e6 END),
                    SUM(CASE WHEN level IS NOT NULL THEN amount_e6 END)) AS amount_e6
    FROM funds WHERE category IS NULL AND amount_e6 IS NOT NULL
    GROUP BY report_id, project_id, measure, source
), by_measure AS (
    SELECT report_id, project_id, measure,
           COALESCE(SUM(CASE WHEN source = '合计' THEN amount_e6 END),
                    SUM(CASE WHEN source IS NULL THEN amount_e6 END),
                    SUM(amount_e6)) AS amount_e6
    FROM by_source GROUP BY report_id, project_id, measure
), pivot AS (
    SELECT report_id, project_id,
           {_measure('预算数', 'budget_e6')}, {_measure('调整后预算', 'adjusted_e6')},
           {_measure('实际到位', 'received_e6')}, {_measure('实际支出', 'spent_e6')},
           {_measure('资金结余', 'balance_e6')}
    FROM by_measure GROUP BY report_id, project_id
)
SELECT v.report_id, r.title AS report_title, r.department, r.fiscal_year, v.project_id,
       p.name AS project_name,
       v.budget_e6 / 1000000.0 AS budget_wan, v.adjusted_e6 / 1000000.0 AS adjusted_budget_wan,
       v.received_e6 / 1000000.0 AS received_wan, v.spent_e6 / 1000000.0 AS spent_wan,
       v.balance_e6 / 1000000.0 AS balance_wan,
       CASE WHEN COALESCE(v.adjusted_e6, v.budget_e6) > 0
            THEN ROUND(v.spent_e6 * 100.0 / COALESCE(v.adjusted_e6, v.budget_e6), 2) END AS execution_rate,
       v.budget_e6, v.adjusted_e6, v.received_e6, v.spent_e6, v.balance_e6
FROM pivot v
JOIN reports r ON r.report_id = v.report_id
LEFT JOIN projects p ON p.project_id = v.project_id"""

V_SCORES = """CREATE VIEW v_scores AS
SELECT s.score_id, s.report_id, r.title AS report_title, s.project_id, p.name AS project_name,
       s.level1, s.level1_weight,
       SUM(s.weight) OVER (PARTITION BY s.report_id, s.project_id, s.level1) AS level1_weight_sum,
       SUM(s.score) OVER (PARTITION BY s.report_id, s.project_id, s.level1) AS level1_score,
       s.level2, s.level2_weight,
       SUM(s.weight) OVER (PARTITION BY s.report_id, s.project_id, s.level1, s.level2) AS level2_weight_sum,
       SUM(s.score) OVER (PARTITION BY s.report_id, s.project_id, s.level1, s.level2) AS level2_score,
       s.name, s.weight, s.score, s.target, s.actual, r.total_score, s.page, s.bbox, s.confidence
FROM scores s
JOIN reports r ON r.report_id = s.report_id
LEFT JOIN projects p ON p.project_id = s.project_id"""

V_DEPARTMENT_YEAR = """CREATE VIEW v_department_year AS
WITH per_report AS (
    SELECT report_id,
           COALESCE(SUM(CASE WHEN project_id IS NOT NULL THEN COALESCE(adjusted_e6, budget_e6) END),
                    MAX(CASE WHEN project_id IS NULL THEN COALESCE(adjusted_e6, budget_e6) END)) AS budget_e6,
           COALESCE(SUM(CASE WHEN project_id IS NOT NULL THEN spent_e6 END),
                    MAX(CASE WHEN project_id IS NULL THEN spent_e6 END)) AS spent_e6
    FROM v_fund_execution GROUP BY report_id
), per_project AS (
    SELECT report_id, COUNT(*) AS projects FROM projects GROUP BY report_id
)
SELECT r.department, r.fiscal_year, COUNT(*) AS reports, COALESCE(SUM(n.projects), 0) AS projects,
       SUM(f.budget_e6) / 1000000.0 AS budget_wan, SUM(f.spent_e6) / 1000000.0 AS spent_wan,
       ROUND(CAST(AVG(r.total_score) AS NUMERIC), 2) AS average_score
FROM reports r
LEFT JOIN per_report f ON f.report_id = r.report_id
LEFT JOIN per_project n ON n.report_id = r.report_id
GROUP BY r.department, r.fiscal_year"""


def _review_part(table: str, id_col: str, field: str, value: str) -> str:
    return (f"SELECT d.file_name, t.page, t.bbox, '{table}' AS table_name, t.{id_col} AS record_id, "
            f"t.report_id, {field} AS field, {value} AS value, t.confidence "
            f"FROM {table} t JOIN reports r ON r.report_id = t.report_id "
            f"JOIN documents d ON d.document_id = r.document_id WHERE t.confidence < {{threshold}}")


REVIEW_PARTS = (
    _review_part("funds", "fund_id", "t.measure", "COALESCE(t.raw, t.amount_wan)"),
    _review_part("facts", "fact_id", "t.key", "t.value"),
    _review_part("indicators", "indicator_id", "t.name", "COALESCE(t.actual, t.target)"),
    _review_part("scores", "score_id", "t.name", "CAST(t.score AS VARCHAR(32))"),
    _review_part("findings", "finding_id", "'problem'", "t.problem"),
    _review_part("projects", "project_id", "'name'", "t.name"),
)


def review_select(threshold: float = REVIEW_THRESHOLD) -> str:
    """SELECT of every record read with confidence below ``threshold``, least sure first."""
    body = "\nUNION ALL\n".join(part.format(threshold=float(threshold)) for part in REVIEW_PARTS)
    return f"SELECT * FROM (\n{body}\n) low ORDER BY confidence, file_name, page, table_name, record_id"


V_REVIEW = "CREATE VIEW v_review AS\n" + review_select()

VIEWS: tuple[str, ...] = (V_INDICATORS, V_FUND_EXECUTION, V_SCORES, V_DEPARTMENT_YEAR, V_REVIEW)



def all_views() -> list[str]:
    """The views ``create_schema`` should create: ``VIEW_DDL`` and then these."""
    return [*VIEW_DDL, *(v for v in VIEWS if v not in VIEW_DDL)]
