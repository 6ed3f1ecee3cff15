"""One detect result, three documented shapes: Green (default), ctyun and OSS/IMM.

Every renderer takes the Green response as JSON (`DetectResponse.to_json()`, which is also
what the results store keeps), so the CLI, the Python API and the HTTP service share them and
a stored result can be served in any dialect later.

- ctyun (docs/contract.md): `{code:"0", message:"success", result:{face_num, face_list}}`, age and
  gender as strings, and `FaceAntiSpoofing` in ctyun's words when liveness was judged.
  Errors are `{code, message:"error", details}` with ctyun's codes (4101-4105, 5000); a
  photo without faces is ctyun's 4105, not an empty list.
- IMM (docs/contract.md): `{RequestId, Figures:[...]}`. Fields with no model behind them are
  null: `FigureConfidence` (the detector's score is not a calibrated probability), `Emotion`,
  `Mouth`, `FaceQuality`, `Attractive`. `Sharpness` is `1 - blur / 20`, the Green blur on IMM's 0..1
  sharper-is-higher scale. `FigureId` is derived from the taskId and the face's index, so
  the same stored result always renders the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal

from pipeline.errors import ctyun_code

Dialect = Literal["green", "ctyun", "imm"]
DIALECTS: tuple[Dialect, ...] = ("green", "ctyun", "imm")
NO_FACE = "NoFaceDetected"
# The job parameter that records an async caller's dialect (absent = green).
FORMAT_PARAM = "format"

# Green liveness values -> ctyun's FaceAntiSpoofing strings (its field table's wording).
CTYUN_LIVENESS = {
    "Live": "活体人脸",
    "Spoof": "非活体人脸",
    "Unclear": "人脸清晰度差, 无法判断",
}
# Green values -> IMM's lower-case vocabulary.
_IMM_GLASSES = {"None": "none", "Wear": "glasses", "Sunglass": "sunglass"}
_IMM_HAT = {"None": "none", "Wear": "hat"}
_IMM_MASK = {"None": "none", "Wear": "mask"}
_IMM_BEARD = {"None": "none", "Has": "beard"}


def render(green: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The Green detect response `green` in `dialect`."""
    if dialect == "ctyun":
        return to_ctyun(green)
    if dialect == "imm":
        return to_imm(green)
    return green


def dialect_of(params: Mapping[str, str]) -> Dialect:
    """The dialect a job's parameters ask for; green when none or unknown."""
    for dialect in DIALECTS:
        if params.get(FORMAT_PARAM) == dialect:
            return dialect
    return "green"


def to_ctyun(green: dict[str, Any]) -> dict[str, Any]:
    """ctyun's detectAgeGender shape, or its error object."""
    faces = green.get("faces")
    if green.get("code") != 200 or faces is None:
        return ctyun_error(str(green.get("error") or "InternalError"), str(green.get("msg")))
    if not faces:
        return ctyun_error(NO_FACE, "no face detected in the image")
    return {
        "code": "0",
        "message": "success",
        "result": {"face_num": len(faces), "face_list": [_ctyun_face(f) for f in faces]},
    }


def ctyun_error(error_name: str, details: str) -> dict[str, Any]:
    """ctyun's failure object: an integer code, message "error" and the reason."""
    return {"code": int(ctyun_code(error_name)), "message": "error", "details": details}


def _ctyun_face(face: dict[str, Any]) -> dict[str, Any]:
    box = face["location"]
    age, gender = face.get("age"), face.get("gender")
    rendered = {
        "face_location": {
            "top": round(box["y"]),
            "left": round(box["x"]),
            "width": round(box["w"]),
            "height": round(box["h"]),
        },
        "gender": gender["value"] if gender else None,
        "age": str(round(age["value"])) if age else None,
    }
    liveness = face.get("liveness")
    if liveness:
        rendered["FaceAntiSpoofing"] = CTYUN_LIVENESS[liveness["value"]]
    return rendered


def to_imm(green: dict[str, Any]) -> dict[str, Any]:
    """OSS `image/faces` (IMM DetectImageFaces) shape, or an Aliyun-style error object."""
    request_id = str(green.get("taskId"))
    if green.get("code") != 200 or green.get("faces") is None:
        return {"RequestId": request_id, "Code": green.get("error"), "Message": green.get("msg")}
    return {
        "RequestId": request_id,
        "Figures": [_imm_figure(request_id, i, face) for i, face in enumerate(green["faces"])],
    }


def _imm_figure(request_id: str, index: int, face: dict[str, Any]) -> dict[str, Any]:
    box, quality = face["location"], face["quality"]
    age, gender = face.get("age"), face.get("gender")
    glasses_value, glasses_rate = _verdict(face, "glasses", _IMM_GLASSES)
    hat_value, hat_rate = _verdict(face, "hat", _IMM_HAT)
    mask_value, mask_rate = _verdict(face, "respirator", _IMM_MASK)
    beard_value, beard_rate = _verdict(face, "mustache", _IMM_BEARD)
    return {
        "FigureId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"facepipe:{request_id}:{index}")),
        "FigureType": "face",
        "FigureConfidence": None,
        "FigureClusterId": "figure-cluster-id-unavailable",
        "Boundary": {
            "Left": round(box["x"]),
            "Top": round(box["y"]),
            "Width": round(box["w"]),
            "Height": round(box["h"]),
        },
        "Age": round(age["value"]) if age else None,
        "AgeSD": round(age["sd"]) if age else None,
        "Gender": gender["value"].lower() if gender else None,
        "GenderConfidence": gender["rate"] if gender else None,
        "Emotion": None,
        "EmotionConfidence": None,
        "Mouth": None,
        "MouthConfidence": None,
        "Beard": beard_value,
        "BeardConfidence": beard_rate,
        "Hat": hat_value,
        "HatConfidence": hat_rate,
        "Glasses": glasses_value,
        "GlassesConfidence": glasses_rate,
        "Mask": mask_value,
        "MaskConfidence": mask_rate,
        "HeadPose": {"Pitch": quality["pitch"], "Roll": quality["roll"], "Yaw": quality["yaw"]},
        "Sharpness": round(1.0 - min(quality["blur"], 20.0) / 20.0, 4),
        "FaceQuality": None,
        "Attractive": None,
    }


def _verdict(
    face: dict[str, Any], field: str, vocabulary: dict[str, str]
) -> tuple[str | None, float | None]:
    verdict = face.get(field)
    if not verdict:
        return None, None
    return vocabulary[verdict["value"]], verdict["rate"]
