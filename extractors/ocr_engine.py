"""The OCR models on onnxruntime: text detection and batched line recognition.

The PP-OCR ONNX models shipped in the rapidocr wheel run in our own
onnxruntime sessions (CPU, nothing downloaded); rapidocr's DB post-processing
turns the detection map into boxes. Pre-processing and batching are ours,
because that is where the time and memory of a scanned page go:

* detection runs on the page scaled down to ``det_max_side`` pixels on its
  long side (rapidocr's default path ran it at 2000);
* recognition images are grey, scaled to the model's 48-pixel height, sorted
  by width and batched up to ``REC_BATCH_WIDTH`` padded pixels (so the
  float output, columns x 18,710 classes, stays small), each batch padded to
  its own widest image (rapidocr padded every image to at least 320);
* the CTC output is decoded here, keeping for every character its column and
  probability, and how many columns span the image's own width.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from extractors.ocr_chars import PxBox, RecLine

log = logging.getLogger(__name__)

DET_MAX_SIDE = 1280  # long side (px) of the image the detector reads (measured: module ocr)
REC_HEIGHT = 48  # the recognition model's input height
REC_SQUEEZE = 1.0  # line images are narrowed by this factor (the model reads squeezed text well)
REC_MIN_WIDTH = 48  # narrower line images are padded to this width
REC_BATCH_WIDTH = 3200  # padded pixels (width x images) per recognition call: ~100 MB of output at most
REC_MAX_BATCH = 64  # images per recognition call at most
CLS_HEIGHT, CLS_WIDTH = 48, 192  # the direction classifier's input


class OcrUnavailable(RuntimeError):
    """The OCR models are not installed (nothing is ever downloaded)."""


def model_files(model_dir: Path | None = None) -> dict[str, Path]:
    """The det/rec/cls ONNX files shipped in the rapidocr wheel (or ``model_dir``)."""
    if model_dir is None:
        import rapidocr

        model_dir = Path(rapidocr.__file__).parent / "models"
    found: dict[str, Path] = {}
    for task in ("det", "rec", "cls"):
        files = sorted(model_dir.glob(f"*_{task}_*.onnx"))
        if not files:
            raise OcrUnavailable(f"no {task} model in {model_dir}; OCR models are never downloaded")
        found[task] = files[-1]
    return found


@dataclass(slots=True)
class _Models:
    """The loaded sessions, the DB post-processor and the recogniser's alphabet."""

    det: Any
    rec: Any
    post: Any
    alphabet: list[str]
    cls: Any = None  # the line direction classifier, loaded when first asked


class OcrEngine:
    """Text detection and line recognition on the CPU, models from the wheel.

    Creating one is cheap; the ONNX sessions load on first use. Hold one per
    process and pass it to :func:`extractors.ocr.image_to_page`. One
    inference thread by default: measured on 2 cores, a second thread cut
    wall time little and cost much CPU; parallelism comes from one worker
    process per page.
    """

    def __init__(self, model_dir: Path | None = None, threads: int = 1, det_max_side: int | None = None) -> None:
        self.model_dir = model_dir
        self.threads = threads
        self.det_max_side = det_max_side or DET_MAX_SIDE
        self._models: _Models | None = None

    def files(self) -> dict[str, Path]:
        """The ONNX files this engine loads."""
        return model_files(self.model_dir)

    def _loaded(self) -> _Models:
        if self._models is None:
            self._models = _load(self.files(), self.threads)
        return self._models

    def detect(self, image: np.ndarray) -> list[PxBox]:
        """Axis-aligned boxes (pixels of ``image``) of the text lines found, in reading order."""
        models = self._loaded()
        gray = _gray(image)
        preds = models.det.run(None, {models.det.get_inputs()[0].name: _det_input(gray, self.det_max_side)})[0]
        quads, _ = models.post(preds, gray.shape[:2])
        if len(quads) == 0:
            return []
        from rapidocr.ch_ppocr_det.main import TextDetector

        return [_quad_to_box(q) for q in TextDetector.sorted_boxes(np.asarray(quads, dtype=np.float32))]

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        """For each grey line image, the probability that it is turned half round (180 degrees)."""
        if not crops:
            return []
        models = self._loaded()
        if models.cls is None:
            models.cls = _session(self.files()["cls"], self.threads)
        probs = models.cls.run(None, {models.cls.get_inputs()[0].name: _cls_input(crops)})[0]
        return [float(p[1]) for p in probs]

    def recognize(self, crop: np.ndarray) -> RecLine | None:
        """Text of one line image with each character's CTC column and confidence."""
        return self.recognize_many([crop])[0]

    def recognize_many(self, crops: list[np.ndarray]) -> list[RecLine | None]:
        """Text of many grey line images, recognised in batches of similar width, in input order."""
        models = self._loaded()
        scaled = [_rec_scale(c) for c in crops]
        results: list[RecLine | None] = [None] * len(crops)
        for batch in rec_batches([s.shape[1] for s in scaled]):
            width = max(REC_MIN_WIDTH, max(scaled[i].shape[1] for i in batch))
            probs = models.rec.run(None, {models.rec.get_inputs()[0].name: _rec_input([scaled[i] for i in batch], width)})[0]
            for row, i in enumerate(batch):
                results[i] = decode_ctc(probs[row], models.alphabet, probs.shape[1] * scaled[i].shape[1] / width)
        return results


def _load(files: dict[str, Path], threads: int) -> _Models:
    from rapidocr.ch_ppocr_det.utils import DBPostProcess

    log.info("loading OCR models %s, %s", files["det"].name, files["rec"].name)
    det, rec = _session(files["det"], threads), _session(files["rec"], threads)
    post = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6,
                         score_mode="fast", use_dilation=True)  # rapidocr's defaults
    return _Models(det, rec, post, _alphabet(rec, files["rec"]))


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = True  # reused between calls: faster, and a lower peak than malloc's
    opts.enable_mem_pattern = False  # shapes change with every batch
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _alphabet(session: Any, path: Path) -> list[str]:
    """CTC classes: blank, the model's characters, space (as rapidocr's CTCLabelDecode)."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise OcrUnavailable(f"{path.name} carries no character list")
    return ["blank", *meta["character"].splitlines(), " "]


def _det_input(gray: np.ndarray, max_side: int) -> np.ndarray:
    """The page scaled to ``max_side`` (sides rounded to 32), normalised to -1..1, 3 channels."""
    import cv2

    h, w = gray.shape
    scale = min(1.0, max_side / max(h, w))
    size = (max(32, int(round(w * scale / 32)) * 32), max(32, int(round(h * scale / 32)) * 32))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    plane = small.astype(np.float32)
    plane *= 2 / 255
    plane -= 1
    return np.ascontiguousarray(np.broadcast_to(plane, (1, 3, *plane.shape)))


def _gray(image: np.ndarray) -> np.ndarray:
    """A grey image as it is; a colour one as the mean of its channels."""
    return image if image.ndim == 2 else image.mean(axis=2).astype(np.uint8)


def _quad_to_box(quad: np.ndarray) -> PxBox:
    xs, ys = quad[:, 0], quad[:, 1]
    return PxBox(int(np.floor(xs.min())), int(np.floor(ys.min())), int(np.ceil(xs.max())), int(np.ceil(ys.max())))


def _rec_scale(crop: np.ndarray) -> np.ndarray:
    """A grey line image at the model's height, width in proportion."""
    import cv2

    gray = _gray(crop)
    h, w = gray.shape
    width = max(1, int(np.ceil(REC_SQUEEZE * REC_HEIGHT * w / max(h, 1))))
    return cv2.resize(gray, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)


def rec_batches(widths: list[int], budget: int = REC_BATCH_WIDTH, most: int = REC_MAX_BATCH) -> list[list[int]]:
    """Indices of ``widths`` grouped narrowest first; a group padded to its widest stays within ``budget``."""
    batches: list[list[int]] = []
    for i in sorted(range(len(widths)), key=lambda k: widths[k]):
        batch = batches[-1] if batches else None
        padded = max(REC_MIN_WIDTH, widths[i])
        if batch is None or len(batch) >= most or (len(batch) + 1) * padded > budget:
            batches.append([i])
        else:
            batch.append(i)
    return batches


def _rec_input(images: list[np.ndarray], width: int) -> np.ndarray:
    """Float batch (n, 3, 48, width): -1..1, zero (mid grey) padding on the right, as PaddleOCR pads."""
    batch = np.zeros((len(images), 3, REC_HEIGHT, width), np.float32)
    for k, img in enumerate(images):
        batch[k, :, :, : img.shape[1]] = img * np.float32(2 / 255) - 1
    return batch


def _cls_input(crops: list[np.ndarray]) -> np.ndarray:
    """Float batch (n, 3, 48, 192) for the direction classifier: height 48, width in proportion
    up to 192, -1..1, mid-grey padding on the right (as PaddleOCR prepares it)."""
    import cv2

    batch = np.zeros((len(crops), 3, CLS_HEIGHT, CLS_WIDTH), np.float32)
    for k, crop in enumerate(crops):
        gray = _gray(crop)
        h, w = gray.shape
        width = min(CLS_WIDTH, max(1, int(np.ceil(CLS_HEIGHT * w / max(h, 1)))))
        small = cv2.resize(gray, (width, CLS_HEIGHT), interpolation=cv2.INTER_AREA)
        batch[k, :, :, :width] = small * np.float32(2 / 255) - 1
    return batch


def decode_ctc(probs: np.ndarray, alphabet: list[str], n_cols: float) -> RecLine | None:
    """Greedy CTC decoding of one image's (columns x classes) probabilities; None if nothing but spaces."""
    best = probs.argmax(axis=1)
    keep = np.flatnonzero((best != 0) & np.concatenate(([True], best[1:] != best[:-1])))
    if keep.size == 0:
        return None
    confs = probs[keep, best[keep]].astype(float)
    text = "".join(alphabet[k] for k in best[keep])
    if not text.strip():
        return None
    chars = [(ch, round(float(c), 5), -1.0 if ch.isspace() else float(col))
             for ch, c, col in zip(text, confs, keep)]
    return RecLine(text=text, score=round(float(confs.mean()), 5), chars=chars, n_cols=float(n_cols))
