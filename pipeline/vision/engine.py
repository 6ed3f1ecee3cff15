"""The per-image face path: detect -> landmarks -> pose, blur, attributes -> quality gate."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import NoFaceError
from pipeline.imaging import DecodedImage
from pipeline.settings import EngineSettings
from pipeline.vision.age_gender import (
    AgeEstimate,
    GenderVerdict,
    estimate_age,
    estimate_gender,
)
from pipeline.vision.bang import BangVerdict, classify_bang
from pipeline.vision.blur import blur_score
from pipeline.vision.detection import FaceBox, detect_faces
from pipeline.vision.embedding import Embedding, face_embedding
from pipeline.vision.glasses import GlassesVerdict, classify_glasses
from pipeline.vision.head import HairstyleVerdict, HatVerdict, classify_hairstyle, classify_hat
from pipeline.vision.landmarks import Landmarks, find_shape, shape_to_array
from pipeline.vision.liveness import LivenessVerdict, judge_liveness
from pipeline.vision.mask import MaskVerdict, classify_mask
from pipeline.vision.models import warm_up
from pipeline.vision.mustache import MustacheVerdict, classify_mustache
from pipeline.vision.parsing import parse_head
from pipeline.vision.pose import HeadPose, estimate_pose
from pipeline.vision.quality import gate
from pipeline.vision.smile import SmileVerdict, estimate_smile


@dataclass(frozen=True, slots=True)
class FaceAnalysis:
    """Everything the engine computed for one face."""

    box: FaceBox
    landmarks: Landmarks
    pose: HeadPose
    blur: float
    glasses: GlassesVerdict
    # None when the engine runs without attributes (EngineSettings.attributes).
    smile: SmileVerdict | None
    respirator: MaskVerdict | None
    age: AgeEstimate | None
    gender: GenderVerdict | None
    mustache: MustacheVerdict | None
    # None also when the face wears sunglasses or a mask: they hide what the bang model
    # measures (calibrate.bang reports how it fails on such faces).
    bang: BangVerdict | None
    # None also when EngineSettings.head_attributes is off.
    hat: HatVerdict | None
    hairstyle: HairstyleVerdict | None
    reasons: list[str]
    # None unless asked for (`analyse(..., liveness=True)`).
    liveness: LivenessVerdict | None = None

    @property
    def qualified(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class DescribedFace:
    """A face with the quality gate's fields and its descriptor, for the face library."""

    analysis: FaceAnalysis
    embedding: Embedding


class FaceEngine:
    """Runs the face stages on decoded images; models are shared per process."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()

    def warm_up(self) -> None:
        """Load the networks `analyse` will run, so the first image does not wait for them."""
        warm_up(self.settings)

    def analyse(self, image: DecodedImage, *, liveness: bool = False) -> list[FaceAnalysis]:
        """Every detected face, largest first; `liveness` also judges whether each is a live
        person (`pipeline.vision.liveness`)."""
        return [
            self._analyse_face(image, box, liveness=liveness)
            for box in detect_faces(image.pixels, self.settings)
        ]

    def _analyse_face(
        self, image: DecodedImage, box: FaceBox, *, liveness: bool = False
    ) -> FaceAnalysis:
        shape = find_shape(image.pixels, box)
        landmarks = shape_to_array(shape)
        pose = estimate_pose(landmarks)
        blur = blur_score(image.pixels, landmarks)
        glasses = classify_glasses(image.pixels, landmarks)
        attributes = self.settings.attributes
        gender = estimate_gender(image.pixels, shape) if attributes else None
        respirator = classify_mask(image.pixels, box, landmarks) if attributes else None
        # The bang model compares the forehead with the cheeks, in bands placed from the eyes:
        # sunglasses hide what places them, and a mask covers the cheeks.
        bang = None
        if respirator is not None and respirator.value == "None" and glasses.value != "Sunglass":
            bang = classify_bang(image.pixels, landmarks)
        reasons = gate(blur, pose, glasses.value)
        verdict = judge_liveness(image.pixels, box, pose, blur) if liveness else None
        if verdict is not None and verdict.value != "Live" and self.settings.liveness_gate:
            reasons.append("liveness")
        head = None
        if attributes and self.settings.head_attributes:
            head = parse_head(image.pixels, landmarks, self.settings.parsing_model).features()
        return FaceAnalysis(
            box=box,
            landmarks=landmarks,
            pose=pose,
            blur=blur,
            glasses=glasses,
            smile=estimate_smile(image.pixels, landmarks) if attributes else None,
            respirator=respirator,
            age=estimate_age(image.pixels, shape, self.settings.age_model) if attributes else None,
            gender=gender,
            mustache=classify_mustache(image.pixels, landmarks, gender) if gender else None,
            bang=bang,
            hat=classify_hat(head) if head else None,
            hairstyle=classify_hairstyle(head) if head else None,
            reasons=reasons,
            liveness=verdict,
        )

    def describe(self, image: DecodedImage, limit: int) -> list[DescribedFace]:
        """The `limit` largest faces, gated and described; attributes are not computed
        (enrolment and search need only the gate's verdict and the descriptor)."""
        gate_only = FaceEngine(self.settings.model_copy(update={"attributes": False}))
        described = []
        for box in detect_faces(image.pixels, self.settings)[:limit]:
            analysis = gate_only._analyse_face(image, box)
            embedding = face_embedding(image.pixels, box, self.settings, analysis.landmarks)
            described.append(DescribedFace(analysis, embedding))
        return described

    def largest_face_embedding(self, image: DecodedImage, role: str) -> Embedding:
        """Descriptor of the largest face, as CompareFaces prescribes; `NoFaceError` if none.

        The small-face pass runs only when no face is found: a face it adds is never the
        largest.
        """
        main_face = self.settings.model_copy(update={"small_faces": False})
        faces = detect_faces(image.pixels, main_face)
        if not faces:
            raise NoFaceError(f"no face detected in the {role} image")
        return face_embedding(image.pixels, faces[0], self.settings)
