"""The one place that touches dlib and OpenCV, which have no type stubs.

Everything the scorer needs from them comes out of here as numpy arrays and
plain numbers. The stack is the optional ``score`` extra
(``pip install 'storyboard-film[score]'``); :func:`load_stack` raises
:class:`ScoringUnavailable` with that command when it is missing. The models
ship inside PyPI packages: nothing is downloaded. Only the 5-point aligner is
loaded, never the 68-point landmark model (its training data forbids
commercial use).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._errors import ScoringUnavailable

Image = npt.NDArray[np.uint8]
"""An RGB picture, (height, width, 3)."""
Vector = npt.NDArray[np.float64]

INSTALL_HINT = (
    "pip install 'storyboard-film[score]' (with pipx: install the wheel as 'FILE.whl[score]';"
    " in a checkout: make setup)"
)

FACE_DETECTOR = Path(__file__).resolve().parent.parent / "data" / "scoring" / "face_detector.svm"
"""dlib's HOG face detector as dlib saves it (tools/make_face_detector.py): read in
milliseconds, where dlib's ``get_frontal_face_detector()`` takes most of a second."""

_MODEL_FILES = {
    "aligner": "shape_predictor_5_face_landmarks.dat",
    "descriptor": "dlib_face_recognition_resnet_model_v1.dat",
}
CHIP_SIZE = 150
"""dlib's aligned face chip: what the descriptor reads, and what copies are compared on."""
DESCRIPTOR_PADDING = 0.25
"""The margin of the chip the descriptor reads (dlib's own); copies are compared on
chips with dlib's default margin."""
FACE_WINDOW = 80
"""dlib's HOG detector scans windows 80 pixels square: it finds a face about that tall in
the picture it scans (a whole frame is scanned at ``detect_width`` upsampled once, so a
face of 80 pixels in a 1280-wide frame)."""
OPENCV_THREADS = 1
"""OpenCV works in the calling thread: its own threads cost a third more CPU for SIFT on
a 720p frame (75 against 100 ms, measured) and win nothing, since the keypoints already
have a thread of their own beside the faces."""


@dataclass(frozen=True)
class FoundFace:
    """A face in a picture: its box (x, y, width, height), its aligned chip (compared for
    copies) and the chip its descriptor is read from (:meth:`Stack.descriptor`)."""

    box: tuple[int, int, int, int]
    chip: Image
    described: Image


@dataclass(frozen=True)
class Keypoints:
    """SIFT keypoint positions and descriptors of one picture."""

    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.float32] | None

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Match:
    """Where a reference was found in a frame: the matches that agree on one homography,
    those that agree on one similarity transform (a pasted copy: moved, scaled, turned;
    never re-drawn), and the box the first span."""

    inliers: int
    rigid: int
    box: tuple[int, int, int, int]


NO_MATCH = Match(0, 0, (0, 0, 0, 0))


class Stack:
    """dlib's HOG detector, 5-point aligner and face descriptor, and OpenCV's SIFT."""

    def __init__(self, dlib: Any, cv2: Any, model_dir: Path) -> None:
        self._dlib = dlib
        self._cv2 = cv2
        cv2.setNumThreads(OPENCV_THREADS)
        self.model_paths = tuple(model_dir / name for name in _MODEL_FILES.values())
        self._detector = _face_detector(dlib)
        self._aligner = dlib.shape_predictor(str(model_dir / _MODEL_FILES["aligner"]))
        self._descriptor = dlib.face_recognition_model_v1(
            str(model_dir / _MODEL_FILES["descriptor"])
        )
        self._sift = cv2.SIFT_create(nfeatures=1500)
        self._matcher = cv2.BFMatcher()

    # -- faces ---------------------------------------------------------------

    def faces(
        self,
        picture: Image,
        detect_width: int,
        near: list[tuple[int, int, int, int]] | None = None,
        smallest: float = 1.0,
    ) -> list[FoundFace]:
        """The roughly frontal faces in ``picture``, searched for on a copy ``detect_width``
        wide: everywhere, or only around the boxes ``near`` (a face seen a frame earlier,
        which is about ten times cheaper), each on a copy only as fine as a face
        ``smallest`` times its box's height needs (a large face is searched for on a
        coarser copy)."""
        scale = min(1.0, detect_width / picture.shape[1])
        grey = self.grey(picture)
        height, width = grey.shape
        searches = (
            [((0, 0, width, height), scale, 1)]
            if near is None
            else [(_around(box, width, height), *_near_scale(box, scale, smallest)) for box in near]
        )
        found: list[FoundFace] = []
        for (left, top, right, bottom), at, upsample in searches:
            small = self.resized(grey[top:bottom, left:right], at)
            for box in self._detector(small, upsample):
                rectangle = self._dlib.rectangle(
                    left + int(box.left() / at),
                    top + int(box.top() / at),
                    left + int(box.right() / at),
                    top + int(box.bottom() / at),
                )
                if not any(_overlaps(rectangle, face.box) for face in found):
                    found.append(self._aligned(picture, rectangle))
        return found

    def _aligned(self, picture: Image, rectangle: Any) -> FoundFace:
        shape = self._aligner(picture, rectangle)
        chip = np.asarray(self._dlib.get_face_chip(picture, shape, CHIP_SIZE), dtype=np.uint8)
        described = self._dlib.get_face_chip(picture, shape, CHIP_SIZE, DESCRIPTOR_PADDING)
        box = (rectangle.left(), rectangle.top(), rectangle.width(), rectangle.height())
        return FoundFace(box, chip, np.asarray(described, dtype=np.uint8))

    def descriptor(self, face: FoundFace) -> Vector:
        """The face's 128-d dlib descriptor: the costly step of scoring a face (a ResNet)."""
        return np.array(self._descriptor.compute_face_descriptor(face.described))

    # -- keypoints -----------------------------------------------------------

    def keypoints(self, picture: Image, longest_side: int) -> Keypoints:
        """SIFT keypoints of ``picture`` shrunk so its longest side is at most ``longest_side``;
        positions are given in the full picture's pixels."""
        scale = min(1.0, longest_side / max(picture.shape[:2]))
        points, descriptors = self._sift.detectAndCompute(
            self.resized(self.grey(picture), scale), None
        )
        xy = np.array([point.pt for point in points], dtype=np.float32).reshape(-1, 2) / scale
        return Keypoints(xy, descriptors)

    def locate(self, reference: Keypoints, frame: Keypoints, shape: tuple[int, int]) -> Match:
        """Find ``reference`` in ``frame`` (of ``shape`` width, height): matches that pass
        Lowe's ratio test and agree on one homography (RANSAC)."""
        if reference.descriptors is None or frame.descriptors is None or len(frame) < 2:
            return NO_MATCH
        pairs = self._matcher.knnMatch(reference.descriptors, frame.descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
        if len(good) < 4:
            return NO_MATCH
        source = reference.points[[m.queryIdx for m in good]]
        target = frame.points[[m.trainIdx for m in good]]
        cv2 = self._cv2
        homography, mask = cv2.findHomography(source, target, cv2.RANSAC, 5.0)
        if homography is None or mask is None:
            return NO_MATCH
        inliers = target[mask.ravel().astype(bool)]
        left, top = np.clip(inliers.min(axis=0), 0, None)
        right, bottom = np.minimum(inliers.max(axis=0), shape)
        _, rigid = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC)
        return Match(
            len(inliers),
            int(rigid.sum()) if rigid is not None else 0,
            (int(left), int(top), int(right - left), int(bottom - top)),
        )

    # -- pixels --------------------------------------------------------------

    def grey(self, picture: Image) -> Image:
        return np.asarray(self._cv2.cvtColor(picture, self._cv2.COLOR_RGB2GRAY), dtype=np.uint8)

    def resized(self, picture: Image, scale: float) -> Image:
        if scale >= 1.0:
            return picture
        height, width = picture.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return np.asarray(
            self._cv2.resize(picture, size, interpolation=self._cv2.INTER_AREA), dtype=np.uint8
        )

    def fitted(self, picture: Image, size: tuple[int, int]) -> Image:
        """``picture`` squeezed to exactly ``size`` (width, height)."""
        return np.asarray(
            self._cv2.resize(picture, size, interpolation=self._cv2.INTER_AREA), dtype=np.uint8
        )

    def hue_saturation(self, picture: Image) -> npt.NDArray[np.float32]:
        """A normalised 30 x 32 hue-saturation histogram: colour, whatever the light level."""
        cv2 = self._cv2
        hsv = cv2.cvtColor(picture, cv2.COLOR_RGB2HSV)
        histogram = cv2.calcHist([hsv], [0, 1], None, [30, 32], [0, 180, 0, 256])
        cv2.normalize(histogram, histogram)
        return np.asarray(histogram, dtype=np.float32)

    def histogram_correlation(
        self, first: npt.NDArray[np.float32], second: npt.NDArray[np.float32]
    ) -> float:
        return float(self._cv2.compareHist(first, second, self._cv2.HISTCMP_CORREL))


def _around(box: tuple[int, int, int, int], width: int, height: int) -> tuple[int, int, int, int]:
    """The area a face may have moved to since a frame earlier: its box, grown by twice
    its size on every side."""
    left, top, box_width, box_height = box
    return (
        max(0, left - 2 * box_width),
        max(0, top - 2 * box_height),
        min(width, left + 3 * box_width),
        min(height, top + 3 * box_height),
    )


def _near_scale(box: tuple[int, int, int, int], scale: float, smallest: float) -> tuple[float, int]:
    """The scale to shrink the area around ``box`` to and how many times the detector
    upsamples it: as the whole frame is searched (``scale``, upsampled once), unless a
    face ``smallest`` times the box's height is a detector's window tall on a coarser copy
    (then that copy, not upsampled)."""
    fine = FACE_WINDOW / (smallest * box[3])
    return (fine, 0) if fine < min(1.0, 2 * scale) else (scale, 1)


def _overlaps(rectangle: Any, box: tuple[int, int, int, int]) -> bool:
    left, top, width, height = box
    across = min(rectangle.right(), left + width) - max(rectangle.left(), left)
    down = min(rectangle.bottom(), top + height) - max(rectangle.top(), top)
    return bool(across > 0 and down > 0 and across * down > 0.5 * width * height)


def _face_detector(dlib: Any) -> Any:
    """dlib's frontal face detector, from the shipped file when it is there."""
    if FACE_DETECTOR.is_file():
        return dlib.fhog_object_detector(str(FACE_DETECTOR))
    return dlib.get_frontal_face_detector()


@cache
def load_stack() -> Stack:
    """The models, loaded once per process; :class:`ScoringUnavailable` without the extra."""
    try:
        dlib = importlib.import_module("dlib")
        cv2 = importlib.import_module("cv2")
        models = importlib.import_module("face_recognition_models")
    except ImportError as error:
        raise ScoringUnavailable(
            f"scoring needs the optional scoring stack ({error.name} is not installed):"
            f" {INSTALL_HINT}"
        ) from None
    model_dir = Path(models.face_recognition_model_location()).parent
    return Stack(dlib, cv2, model_dir)
