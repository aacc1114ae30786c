"""Pages scanned sideways or upside down are turned upright (extractors.orientation)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from extractors.ocr_chars import PxBox
from extractors.orientation import is_sideways, is_upside_down, quarter_turns, turn
from tests.fixtures.scans import make_scan

WIDE = [PxBox(10, 10 + 40 * k, 400, 40 + 40 * k) for k in range(10)]
TALL = [PxBox(10 + 40 * k, 10, 40 + 40 * k, 400) for k in range(10)]


class FakeEngine:
    """Answers the direction classifier with fixed probabilities; counts detections."""

    def __init__(self, p180: list[float], boxes: list[PxBox] = WIDE) -> None:
        self.p180, self.boxes, self.detected = p180, boxes, 0

    def detect(self, image: np.ndarray) -> list[PxBox]:
        self.detected += 1
        return self.boxes

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        return self.p180[: len(crops)]


def test_most_boxes_tall_is_sideways_a_few_vertical_labels_are_not() -> None:
    assert is_sideways(TALL) and not is_sideways(WIDE)
    assert not is_sideways(WIDE[:7] + TALL[:3])
    assert not is_sideways(TALL[:5])  # too few boxes to say


def test_upside_down_needs_a_clear_majority_of_the_widest_lines() -> None:
    gray = np.zeros((500, 500), np.uint8)
    assert is_upside_down(FakeEngine([0.9] * 8 + [0.1] * 2), gray, WIDE)  # 8 of 10
    assert not is_upside_down(FakeEngine([0.9] * 6 + [0.1] * 4), gray, WIDE)  # 6 of 10
    assert not is_upside_down(FakeEngine([0.9] * 3), gray, WIDE[:3])  # three lines say nothing


def test_quarter_turns() -> None:
    gray = np.zeros((500, 400), np.uint8)
    assert quarter_turns(FakeEngine([0.1] * 10), gray, WIDE) == 0
    assert quarter_turns(FakeEngine([0.9] * 10), gray, WIDE) == 2
    sideways = FakeEngine([0.1] * 10)  # once turned a quarter, its lines read upright
    assert quarter_turns(sideways, gray, TALL) == 1 and sideways.detected == 1
    assert quarter_turns(FakeEngine([0.9] * 10), gray, TALL) == 3
    assert turn(gray, 1).shape == (400, 500) and turn(gray, 4) is gray


def _cells(page) -> list[list[str]]:
    from extractors.grids import page_to_grids

    grid = page_to_grids(page).grids[0]
    return [[unicodedata.normalize("NFKC", t) for t in row] for row in grid.text_matrix()]


@pytest.mark.slow
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_page_scanned_turned_reads_as_the_upright_scan(ocr_table_pdf: Path, ocr_engine, ocr_table_page,
                                                         turns: int) -> None:
    from extractors.ocr import image_to_page

    scan = np.asarray(make_scan(ocr_table_pdf, 0))
    page = image_to_page(np.rot90(scan, turns), 1, None, engine=ocr_engine)
    assert (page.width, page.height) == (595.28, 841.89)  # upright A4, whatever the picture's shape
    assert page.rotation == pytest.approx(ocr_table_page.rotation + 90 * (4 - turns) % 360, abs=0.2)
    assert _cells(page) == _cells(ocr_table_page)
