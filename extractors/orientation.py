"""Pages scanned sideways or upside down: how many quarter turns make them upright.

Deskewing (:mod:`extractors.raster`) levels a page within a few degrees; a
page fed into the scanner sideways or upside down needs quarter turns, and
both are decided from what the text detector already found:

* sideways: most text boxes are taller than wide (the detector finds
  rotated lines as tall boxes; an upright form has only a few vertical
  labels), so the page is turned a quarter and looked at again;
* upside down: the direction classifier shipped with the OCR models
  (0 or 180 degrees per line image) is asked about the widest lines, and a
  clear majority turns the page half round.

Measured on the two scanned samples (4 pages, each turned 0/90/180/270):
upright pages have 0-3 % tall boxes, sideways ones 75-85 %; the classifier
voted "upside down" for 0-2 of 12 lines of upright pages and 10-12 of 12 of
upside-down ones. Cost on an upright page: one classifier call on 12 small
line images, about 30 ms.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from extractors.ocr_chars import PxBox

log = logging.getLogger(__name__)

TALL_RATIO = 1.5  # a box this many times taller than wide is a vertical run of text
SIDEWAYS_SHARE = 0.5  # more than this share of the boxes tall: the page lies on its side
MIN_BOXES = 6  # fewer text boxes than this say nothing about the page's direction
SAMPLE_LINES = 12  # widest lines the direction classifier is asked about
MIN_SAMPLE = 4  # fewer usable lines than this: left as it is
UPSIDE_DOWN_VOTES = 2 / 3  # share of sampled lines read as upside down that turns the page


class Detector(Protocol):
    """The parts of :class:`extractors.ocr_engine.OcrEngine` orientation needs."""

    def detect(self, image: np.ndarray) -> list[PxBox]: ...

    def upside_down(self, crops: list[np.ndarray]) -> list[float]: ...


def quarter_turns(engine: Detector, gray: np.ndarray, boxes: list[PxBox]) -> int:
    """Counter-clockwise quarter turns (0-3) that make the page upright."""
    if is_sideways(boxes):
        turned = np.ascontiguousarray(np.rot90(gray, 1))
        turns = 3 if is_upside_down(engine, turned, engine.detect(turned)) else 1
    else:
        turns = 2 if is_upside_down(engine, gray, boxes) else 0
    if turns:
        log.info("page turned %d degrees counter-clockwise to read it upright", 90 * turns)
    return turns


def is_sideways(boxes: list[PxBox]) -> bool:
    """Most text boxes are tall and narrow: the lines run up or down the page."""
    if len(boxes) < MIN_BOXES:
        return False
    tall = sum(1 for b in boxes if b.height > TALL_RATIO * b.width)
    return tall > SIDEWAYS_SHARE * len(boxes)


def is_upside_down(engine: Detector, gray: np.ndarray, boxes: list[PxBox]) -> bool:
    """A clear majority of the widest lines reads as turned half round."""
    lines = [b for b in boxes if b.width > b.height and b.height >= 4]
    widest = sorted(lines, key=lambda b: -b.width)[:SAMPLE_LINES]
    if len(widest) < MIN_SAMPLE:
        return False
    scores = engine.upside_down([gray[b.y0:b.y1, b.x0:b.x1] for b in widest])
    votes = sum(1 for p in scores if p > 0.5)
    return votes >= UPSIDE_DOWN_VOTES * len(scores)


def turn(image: np.ndarray, turns: int) -> np.ndarray:
    """``image`` turned ``turns`` quarter turns counter-clockwise."""
    return np.ascontiguousarray(np.rot90(image, turns)) if turns % 4 else image
