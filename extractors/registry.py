"""The layout extractors behind one small interface, in a registry.

An extractor turns the slice of a document that holds one report into a
:class:`~schemas.records.ReportRec`. Which pages form a report is decided by
``extractors.segment`` from titles and header labels; extractors only read.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from extractors.ir import Document
from schemas.records import ReportRec

log = logging.getLogger(__name__)

# report_type -> module defining ``EXTRACTOR``
EXTRACTOR_MODULES: dict[str, str] = {
    "self_eval_form": "extractors.self_eval_form",
    "dept_targets": "extractors.dept_targets",
    "self_eval_report": "extractors.self_eval_report",
    "project_targets": "extractors.project_targets",
    "evaluation_report": "extractors.evaluation_report",
}


class ExtractionError(Exception):
    """A report was recognised but its content could not be read."""


class Extractor(Protocol):
    report_type: str

    def extract(self, doc: Document) -> ReportRec:
        """All records of one report; ``doc`` holds only that report's pages."""
        ...


def get_extractor(report_type: str) -> Extractor | None:
    module_name = EXTRACTOR_MODULES.get(report_type)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    return module.EXTRACTOR


def available_types() -> list[str]:
    return list(EXTRACTOR_MODULES)
