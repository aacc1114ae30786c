"""Image preprocessing for scanned pages: grey levels, stamps, ink, dust, skew.

Everything here works in pixels of one page image; ``px_per_pt`` (pixels per
PDF point) turns the physical sizes below into pixels, so the same
parameters hold at any scan resolution. :mod:`extractors.raster_rulings` finds
ruling lines in the ink; :mod:`extractors.ocr` converts results to PDF points.

Ink is found with a black-hat transform (grey closing minus the image):
it keeps dark strokes thinner than the kernel and ignores uneven lighting,
grey page edges and shaded cell backgrounds, which a global threshold
would turn into ink.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

STROKE_PT = 4.0  # black-hat kernel: strokes thinner than this are ink
MIN_INK_CONTRAST = 40  # grey levels a stroke must be darker than its surroundings
STAMP_REDNESS = 60  # red channel this much above green and blue: (partly) stamp ink
STAMP_MIN_RED = 130  # and this bright: stamp ink over paper, not print under a seal
STAMP_FRINGE_PT = 1.2  # blanked around seal ink (blur and JPEG fringes)
SPECK_MAX_PT = 2.5  # ink blobs no larger than this either way may be dust ...
SPECK_CLEARANCE_PT = 4.0  # ... when no other ink lies this close
MAX_SPECKS = 3000  # more tiny blobs than this is texture, not dust: leave all
SKEW_RANGE = 5.0  # degrees searched either way
SKEW_WORK_WIDTH = 1000  # pixels; skew is measured on a downscaled ink mask
SKEW_STRIPS = 50  # vertical strips whose row profiles are shifted to try an angle



# ---------------------------------------------------------------- grey & ink


def as_array(image: object) -> np.ndarray:
    """A uint8 array, 2-D grey or 3-D RGB, from a PIL image or an ndarray (RGB order)."""
    if isinstance(image, np.ndarray):
        arr = image
    else:
        arr = np.asarray(_pil_to_l_or_rgb(image))
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.ndim not in (2, 3):
        raise ValueError(f"not an image array: shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _pil_to_l_or_rgb(image: object):
    mode = getattr(image, "mode", None)
    if mode is None:
        raise TypeError(f"not an image: {type(image).__name__}")
    if mode in ("L", "RGB"):
        return image
    if "A" in mode or "a" in mode or (mode == "P" and "transparency" in image.info):  # type: ignore[attr-defined]
        return _on_white(image, grey=mode.startswith("L"))
    if mode in ("1", "I", "I;16", "I;16B", "I;16L", "F"):
        return image.convert("L")  # type: ignore[attr-defined]
    return image.convert("RGB")  # type: ignore[attr-defined]


def _on_white(image, grey: bool):
    """Transparent pixels are paper: composite onto white."""
    from PIL import Image

    rgba = image.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return flat.convert("L" if grey else "RGB")


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == bool:
        return np.where(arr, 255, 0).astype(np.uint8)
    top = float(arr.max()) if arr.size else 0.0
    scale = 255.0 / top if top > 255 else 1.0
    return np.clip(arr.astype(np.float64) * scale, 0, 255).astype(np.uint8)


def to_gray(arr: np.ndarray) -> np.ndarray:
    import cv2

    return arr if arr.ndim == 2 else cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)


def to_gray_without_stamps(arr: np.ndarray) -> np.ndarray:
    """Grey levels in which red stamp ink turns pale and black print stays dark.

    Reddish pixels take their red channel as grey (red ink is bright there,
    black print and print under a seal stay dark); all others their luminance.
    """
    gray = to_gray(arr)
    if arr.ndim == 2:
        return gray
    rgb = arr.astype(np.int16)
    reddish = (rgb[:, :, 0] - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > STAMP_REDNESS
    return np.where(reddish, arr[:, :, 0], gray).astype(np.uint8)


def stamp_ink(arr: np.ndarray, px_per_pt: float) -> np.ndarray | None:
    """uint8 mask of bright red pixels (seal ink over paper, not over print) and their
    blurred fringes, for blanking before OCR."""
    import cv2

    if arr.ndim == 2:
        return None
    rgb = arr.astype(np.int16)
    red = rgb[:, :, 0]
    mask = ((red - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > STAMP_REDNESS) & (red > STAMP_MIN_RED)
    if not mask.any():
        return None
    k = _odd(STAMP_FRINGE_PT * px_per_pt)
    return cv2.dilate(mask.astype(np.uint8) * 255, np.ones((k, k), np.uint8))


def background(gray: np.ndarray, px_per_pt: float) -> np.ndarray:
    """The local paper grey: a grey closing that erases strokes thinner than STROKE_PT."""
    import cv2

    k = _odd(STROKE_PT * px_per_pt)
    return cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def ink_mask(gray: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Binary uint8 mask (255 = ink) of strokes darker than the local paper."""
    contrast = paper.astype(np.int16) - gray.astype(np.int16)
    return np.where(contrast > MIN_INK_CONTRAST, 255, 0).astype(np.uint8)


def isolated_specks(ink: np.ndarray, px_per_pt: float) -> np.ndarray:
    """uint8 mask of dust: tiny ink blobs with no other ink near them.

    A decimal point or a comma is as small but sits beside a glyph; the dots
    of a colon have each other.
    """
    import cv2

    n, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    limit, clearance = SPECK_MAX_PT * px_per_pt, SPECK_CLEARANCE_PT * px_per_pt
    small = (stats[:, cv2.CC_STAT_WIDTH] <= limit) & (stats[:, cv2.CC_STAT_HEIGHT] <= limit)
    small[0] = False
    if not small.any():
        return np.zeros_like(ink)
    tiny = small[labels]
    k = _odd(2 * clearance)
    near_big = cv2.dilate(np.where(tiny, 0, ink).astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    keep = set(np.unique(labels[tiny & near_big]).tolist()) | _paired(np.flatnonzero(small), centroids, clearance + limit)
    specks = tiny & ~np.isin(labels, list(keep))
    return np.where(specks, 255, 0).astype(np.uint8)


def _paired(ids: np.ndarray, centroids: np.ndarray, reach: float) -> set[int]:
    """Tiny blobs with another tiny blob within ``reach`` (colon, ellipsis dots)."""
    if len(ids) < 2 or len(ids) > MAX_SPECKS:
        return set(ids.tolist()) if len(ids) > MAX_SPECKS else set()
    pts = centroids[ids]
    dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    return set(ids[dist.min(axis=1) <= reach].tolist())


def _odd(value: float) -> int:
    n = max(3, int(round(value)))
    return n if n % 2 else n + 1


# ---------------------------------------------------------------- skew


def estimate_skew(ink: np.ndarray, max_angle: float = SKEW_RANGE) -> float:
    """Degrees to rotate the page (counter-clockwise as displayed) to level it.

    Projection profile: text lines and horizontal rulings give the sharpest
    row profile when level. A coarse search is refined around its best angle.
    The page is not rotated for each angle tried: the row profiles of narrow
    vertical strips are shifted by each strip's rise at that angle and added,
    which for a few degrees is the profile of the rotated page.
    """
    import cv2

    scale = min(1.0, SKEW_WORK_WIDTH / ink.shape[1])
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    profiles, offsets = _strip_profiles(small)
    best = _best_angle(profiles, offsets, np.arange(-max_angle, max_angle + 1e-9, 0.25))
    best = _best_angle(profiles, offsets, np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02))
    return round(float(best), 2)


def _strip_profiles(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row sums of SKEW_STRIPS vertical strips, and each strip's x offset from the centre."""
    edges = np.linspace(0, img.shape[1], SKEW_STRIPS + 1).astype(int)
    profiles = np.stack([img[:, a:b].sum(axis=1, dtype=np.float64) for a, b in zip(edges[:-1], edges[1:])])
    return profiles, (edges[:-1] + edges[1:]) / 2 - img.shape[1] / 2


def _best_angle(profiles: np.ndarray, offsets: np.ndarray, angles: np.ndarray) -> float:
    scores = [_profile_sharpness(profiles, offsets, float(a)) for a in angles]
    return float(angles[int(np.argmax(scores))])


def _profile_sharpness(profiles: np.ndarray, offsets: np.ndarray, angle: float) -> float:
    """Sharpness of the row profile of the page turned by ``angle`` (row r of the turned
    page reads row r + sin(angle) * x of the page, x from the centre)."""
    rows = np.arange(profiles.shape[1], dtype=np.float64)
    rise = np.sin(np.radians(angle)) * offsets
    total = sum(np.interp(rows + r, rows, p, left=0.0, right=0.0) for p, r in zip(profiles, rise))
    return float(np.square(np.diff(total)).sum())


def rotate(img: np.ndarray, angle: float, fill: int | None = None) -> np.ndarray:
    """Rotate about the centre, same size; ``fill=None`` replicates the border."""
    import cv2

    if abs(angle) < 1e-6:
        return img
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    if fill is None:
        return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def erase_mask(gray: np.ndarray, paper: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``gray`` with the masked pixels replaced by the paper grey."""
    return np.where(mask > 0, paper, gray).astype(np.uint8)
