"""Records and helpers shared by the storage, export and query tests."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from pipeline.store import DocumentMeta
from schemas.db import ALL_TABLES, Base, create_schema, make_engine
from schemas.records import (
    FactRec, FindingRec, FundRec, IndicatorRec, ProjectRec, ReportRec, ScoreRec,
)

PROJECT = "和平县雪亮工程视频监控系统建设项目"
OTHER = "政法信息网（二期）工程"
LONG_TEXT = "改进措施" * 40


# A throwaway PostgreSQL database (its tables are dropped!) for the postgres runs.
PG_ENV = "JIXIAO_TEST_PG_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def new_engine(tmp_path: Path, backend: str = "sqlite", name: str = "jx.db") -> Engine:
    """An empty database with the schema: SQLite in tmp_path, or $JIXIAO_TEST_PG_URL."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / name}")
    else:
        url = os.environ.get(PG_ENV)
        if not url:
            pytest.skip(f"set {PG_ENV} to a throwaway PostgreSQL database URL")
        engine = make_engine(url)
        _drop_everything(engine)
    create_schema(engine)
    return engine


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as conn:
        for view in inspect(conn).get_view_names():
            conn.exec_driver_sql(f'DROP VIEW IF EXISTS "{view}" CASCADE')
    Base.metadata.drop_all(engine)


def meta(sha: str = "a" * 64, **extra: object) -> DocumentMeta:
    values: dict[str, object] = dict(
        file_name="002.pdf", path="/in/002.pdf", sha256=sha, pages=12, kind="digital",
        status="ok", pipeline_version="0.1.0", size_bytes=123456, seconds=1.5,
    )
    values.update(extra)
    return DocumentMeta(**values)  # type: ignore[arg-type]


def self_eval_report() -> ReportRec:
    """A report with a row in every record table."""
    return ReportRec(
        report_type="self_eval_report", title="和平县雪亮工程项目绩效自评报告", region="和平县",
        fiscal_year=2020, department="和平县委政法委", unit="和平县公安局", project_name=PROJECT,
        amount_unit="万元", total_score=98.0, grade="优秀", page_start=2, page_end=4,
        text="第一页\f第二页\f第三页",
        projects=[ProjectRec(name=PROJECT, unit="和平县公安局", content="视频监控", goal="全覆盖",
                             page=2, bbox=(10.0, 20.0, 300.5, 40.25))],
        funds=[
            FundRec(project=PROJECT, measure="预算数", source="合计", amount_wan=Decimal("2868.5739"),
                    raw="2868.5739", page=3, bbox=(1.0, 2.0, 3.0, 4.0)),
            FundRec(project=PROJECT, measure="实际支出", source="本级财政资金", category="咨询费",
                    level="县区", amount_wan=Decimal("1.234567"), raw="12345.67元", page=3,
                    confidence=0.875),
            FundRec(project=None, measure="资金结余", amount_wan=Decimal("-12.5"), raw="-12.5", page=3),
        ],
        indicators=[IndicatorRec(
            project=PROJECT, level1="产出指标", level2="数量指标", name="摄像头数量",
            target="≥284个", target_op=">=", target_value=284.0, target_unit="个",
            actual="300个", actual_value=300.0, actual_unit="个", period="年度",
            deviation=LONG_TEXT, weight=10.0, score=9.5, page=4,
        )],
        scores=[ScoreRec(
            project=PROJECT, level1="绩效目标", level1_weight=20.0, level2="目标设定",
            level2_weight=5.0, name="绩效目标合理性", weight=3.0, score=2.5, target="合理",
            actual="较合理", criteria="完全合理得3分", note="说明", page=4,
        )],
        findings=[FindingRec(project=" 政法信息网\n（二期）工程", seq=1, problem="=HYPERLINK(\"x\")",
                             measure="@加强管理", page=4)],
        facts=[
            FactRec(project=PROJECT, key="实际到位率", value="99.31%", value_num=Decimal("99.31"),
                    unit="%", page=3),
            FactRec(project=None, key="联系电话", value="+86 0762-5618803", page=2),
            FactRec(project=None, key="评价年度", value="2020", value_num=2020, page=2),
            FactRec(project=OTHER, key="结余", value="-12.5", value_num=-12.5, unit="万元", page=3),
        ],
        tables=[{"page": 3, "method": "lattice", "n_rows": 7, "n_cols": 5, "confidence": 1.0,
                 "bbox": (0.0, 0.0, 10.0, 10.0)}],
    )


def dept_targets_report() -> ReportRec:
    return ReportRec(
        report_type="dept_targets", title="部门整体预算绩效目标表", region="湛江市",
        fiscal_year=2021, department="湛江市财政局", amount_unit="万元", page_start=1, page_end=2,
        funds=[FundRec(project=None, measure="预算数", source="财政拨款",
                       amount_wan=Decimal("100.5"), raw="100.50", page=1)],
    )


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            m.__tablename__: conn.execute(text(f"SELECT COUNT(*) FROM {m.__tablename__}")).scalar_one()
            for m in ALL_TABLES
        }
