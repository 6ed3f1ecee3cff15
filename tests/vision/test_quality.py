import math

from pipeline.vision.pose import HeadPose
from pipeline.vision.quality import gate

LEVEL = HeadPose(pitch=0.0, yaw=0.0, roll=0.0)


def test_a_sharp_level_face_without_sunglasses_qualifies() -> None:
    assert gate(4.99, HeadPose(pitch=30.0, yaw=-30.0, roll=30.0), "Wear") == []


def test_each_failed_check_is_named() -> None:
    assert gate(5.0, LEVEL, "None") == ["blur"]
    assert gate(1.0, LEVEL, "Sunglass") == ["sunglass"]
    assert gate(1.0, HeadPose(pitch=31.0, yaw=-30.5, roll=0.0), "None") == ["pitch", "yaw"]
    assert gate(6.4, HeadPose(pitch=21.2, yaw=21.1, roll=-40.0), "Sunglass") == [
        "blur",
        "sunglass",
        "roll",
    ]


def test_the_documented_example_is_not_qualified_for_blur() -> None:
    # seed 001: blur 6.44, pitch 21.21, yaw 21.12, roll 0.38 -> qualified: false
    assert gate(6.44, HeadPose(pitch=21.21, yaw=21.12, roll=0.38), "None") == ["blur"]


def test_an_unknown_angle_fails() -> None:
    assert gate(1.0, HeadPose(pitch=math.nan, yaw=0.0, roll=0.0), "None") == ["pitch"]
