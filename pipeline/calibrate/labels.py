"""Labels we added to the fixtures by eye, where the fixtures carry none.

`IDENTITY_GENDER`: the gender of each of the 48 people of `identities/` (one label per
folder, read off a contact sheet of their photos); used to measure gender accuracy.
`genki_glasses()`: glasses on GENKI-4K files 1-1200 (None, Wear, Sunglass), for the 3-way
glasses model; the fixtures label sunglasses (positives only) but not clear glasses.
`genki_mustache()`: mustache or beard on files 1-1200 (files 1-600: men found by the gender
model were reviewed on numbered sheets, the rest are women, labelled None; files 601-1200:
every face on the sheets was reviewed).
`sunglasses_face_label()`: whether the largest face we detect in each `sunglasses/` photo
wears sunglasses over its eyes; some are clear-eyed faces, some are not faces. Each one was
reviewed on numbered sheets (the photo with the face's box, beside the crop the model sees):
the 177 the first masked-face detector gave, and the 4 largest faces that changed when it
was retrained with eye views as negatives. A new detector may pick other faces: review again.
`sunglasses_head_labels()` and `sunglasses_mustache()`: hat, hairstyle and mustache of the
same faces, read off sheets that show each photo beside a zoomed-out crop of the head.
"""

from __future__ import annotations

from typing import Final

_FEMALE: Final = [
    "aidai",
    "baibaihe",
    "caiyilin",
    "chenhuilin",
    "chenyao",
    "hanxue",
    "huangtingting",
    "jinchen",
    "licaihua",
    "lizi",
    "lvyi",
    "maolinlin",
    "maoxiaotong",
    "masu",
    "qiwei",
    "songzuer",
    "sunli",
    "xinzi",
    "yaochen",
    "zhaoyazhi",
    "zhouxiuna",
]
_MALE: Final = [
    "caiguoqing",
    "changshilei",
    "chenglong",
    "chenhe",
    "dongchengpeng",
    "fanwei",
    "huangjinglun",
    "jianailiang",
    "jingbairan",
    "jinggangshan",
    "lijian",
    "linyilun",
    "liudehua",
    "liuruilin",
    "lixingliang",
    "luojin",
    "maguoming",
    "nieyuan",
    "shaofeng",
    "sunhonglei",
    "tianliang",
    "wangdongcheng",
    "wanghan",
    "xiaozhan",
    "zhangzhenyue",
    "zhoujie",
    "zhouyumin",
]
# The six people of faces/ (public figures).
FACES_GENDER: Final = {
    "obama": "Male",
    "biden": "Male",
    "alex_lacamoire": "Male",
    "kit_harington": "Male",
    "rose_leslie": "Female",
    "lin_manuel_miranda": "Male",
}
IDENTITY_GENDER: Final[dict[str, str]] = {name: "Female" for name in _FEMALE} | {
    name: "Male" for name in _MALE
}


# GENKI-4K files 1-600, glasses read off contact sheets (64 px crops, each numbered). Every
# other file of that range is "None"; the unsure ones (tinted lenses, too dim) are left out.
GENKI_GLASSES_RANGE: Final = range(1, 1201)
GENKI_MUSTACHE_RANGE: Final = range(1, 1201)
GENKI_WEAR: Final = frozenset(
    {
        "file0001.jpg",
        "file0038.jpg",
        "file0044.jpg",
        "file0049.jpg",
        "file0061.jpg",
        "file0065.jpg",
        "file0067.jpg",
        "file0074.jpg",
        "file0097.jpg",
        "file0101.jpg",
        "file0105.jpg",
        "file0129.jpg",
        "file0131.jpg",
        "file0140.jpg",
        "file0150.jpg",
        "file0163.jpg",
        "file0201.jpg",
        "file0208.jpg",
        "file0209.jpg",
        "file0214.jpg",
        "file0230.jpg",
        "file0253.jpg",
        "file0255.jpg",
        "file0256.jpg",
        "file0259.jpg",
        "file0273.jpg",
        "file0288.jpg",
        "file0294.jpg",
        "file0301.jpg",
        "file0305.jpg",
        "file0353.jpg",
        "file0359.jpg",
        "file0373.jpg",
        "file0395.jpg",
        "file0398.jpg",
        "file0399.jpg",
        "file0417.jpg",
        "file0423.jpg",
        "file0435.jpg",
        "file0444.jpg",
        "file0445.jpg",
        "file0506.jpg",
        "file0507.jpg",
        "file0515.jpg",
        "file0548.jpg",
        "file0557.jpg",
        "file0562.jpg",
        "file0568.jpg",
        "file0570.jpg",
        "file0581.jpg",
        "file0604.jpg",
        "file0612.jpg",
        "file0627.jpg",
        "file0641.jpg",
        "file0644.jpg",
        "file0661.jpg",
        "file0663.jpg",
        "file0675.jpg",
        "file0684.jpg",
        "file0685.jpg",
        "file0686.jpg",
        "file0691.jpg",
        "file0701.jpg",
        "file0710.jpg",
        "file0715.jpg",
        "file0725.jpg",
        "file0749.jpg",
        "file0759.jpg",
        "file0774.jpg",
        "file0795.jpg",
        "file0796.jpg",
        "file0827.jpg",
        "file0856.jpg",
        "file0868.jpg",
        "file0872.jpg",
        "file0873.jpg",
        "file0874.jpg",
        "file0875.jpg",
        "file0885.jpg",
        "file0902.jpg",
        "file0903.jpg",
        "file0909.jpg",
        "file1008.jpg",
        "file1021.jpg",
        "file1027.jpg",
        "file1034.jpg",
        "file1037.jpg",
        "file1040.jpg",
        "file1044.jpg",
        "file1052.jpg",
        "file1066.jpg",
        "file1067.jpg",
        "file1089.jpg",
        "file1101.jpg",
        "file1117.jpg",
        "file1130.jpg",
        "file1132.jpg",
        "file1140.jpg",
        "file1153.jpg",
        "file1156.jpg",
        "file1162.jpg",
        "file1170.jpg",
        "file1171.jpg",
        "file1183.jpg",
        "file1190.jpg",
    }
)
GENKI_SUNGLASS: Final = frozenset(
    {
        "file0088.jpg",
        "file0149.jpg",
        "file0404.jpg",
        "file0478.jpg",
        "file0498.jpg",
        "file0522.jpg",
        "file0524.jpg",
        "file0585.jpg",
        "file0601.jpg",
        "file0649.jpg",
        "file0696.jpg",
        "file0745.jpg",
        "file0839.jpg",
        "file0974.jpg",
        "file0999.jpg",
        "file1011.jpg",
        "file1095.jpg",
        "file1166.jpg",
        "file1187.jpg",
    }
)
GENKI_GLASSES_UNSURE: Final = frozenset(
    {
        "file0063.jpg",
        "file0111.jpg",
        "file0223.jpg",
        "file0282.jpg",
        "file0298.jpg",
        "file0322.jpg",
        "file0405.jpg",
        "file0413.jpg",
        "file0488.jpg",
        "file0569.jpg",
        "file0583.jpg",
        "file0611.jpg",
        "file0625.jpg",
        "file0629.jpg",
        "file0633.jpg",
        "file0639.jpg",
        "file0640.jpg",
        "file0655.jpg",
        "file0658.jpg",
        "file0672.jpg",
        "file0697.jpg",
        "file0705.jpg",
        "file0709.jpg",
        "file0714.jpg",
        "file0716.jpg",
        "file0733.jpg",
        "file0735.jpg",
        "file0761.jpg",
        "file0773.jpg",
        "file0776.jpg",
        "file0779.jpg",
        "file0783.jpg",
        "file0789.jpg",
        "file0821.jpg",
        "file0826.jpg",
        "file0842.jpg",
        "file0845.jpg",
        "file0852.jpg",
        "file0859.jpg",
        "file0871.jpg",
        "file0876.jpg",
        "file0882.jpg",
        "file0893.jpg",
        "file0906.jpg",
        "file0914.jpg",
        "file0916.jpg",
        "file0919.jpg",
        "file0921.jpg",
        "file0931.jpg",
        "file0946.jpg",
        "file0963.jpg",
        "file0986.jpg",
        "file0991.jpg",
        "file0992.jpg",
        "file1005.jpg",
        "file1015.jpg",
        "file1022.jpg",
        "file1033.jpg",
        "file1054.jpg",
        "file1063.jpg",
        "file1068.jpg",
        "file1069.jpg",
        "file1075.jpg",
        "file1087.jpg",
        "file1092.jpg",
        "file1097.jpg",
        "file1100.jpg",
        "file1106.jpg",
        "file1110.jpg",
        "file1112.jpg",
        "file1121.jpg",
        "file1125.jpg",
        "file1133.jpg",
        "file1139.jpg",
        "file1143.jpg",
        "file1147.jpg",
        "file1154.jpg",
        "file1160.jpg",
        "file1191.jpg",
    }
)


def _genki_labelled(numbers: range, unsure: frozenset[str]) -> list[str]:
    """The GENKI files we labelled, minus the ones we were unsure of."""
    names = (f"file{number:04d}.jpg" for number in numbers)
    return [name for name in names if name not in unsure]


def genki_glasses() -> dict[str, str]:
    """File name -> None | Wear | Sunglass for the GENKI crops we labelled."""
    return {
        name: "Wear" if name in GENKI_WEAR else "Sunglass" if name in GENKI_SUNGLASS else "None"
        for name in _genki_labelled(GENKI_GLASSES_RANGE, GENKI_GLASSES_UNSURE)
    }


GENKI_MUSTACHE: Final = frozenset(
    {
        "file0002.jpg",
        "file0027.jpg",
        "file0037.jpg",
        "file0074.jpg",
        "file0113.jpg",
        "file0118.jpg",
        "file0124.jpg",
        "file0131.jpg",
        "file0169.jpg",
        "file0185.jpg",
        "file0212.jpg",
        "file0239.jpg",
        "file0257.jpg",
        "file0264.jpg",
        "file0273.jpg",
        "file0276.jpg",
        "file0309.jpg",
        "file0319.jpg",
        "file0321.jpg",
        "file0339.jpg",
        "file0344.jpg",
        "file0346.jpg",
        "file0366.jpg",
        "file0428.jpg",
        "file0435.jpg",
        "file0444.jpg",
        "file0445.jpg",
        "file0473.jpg",
        "file0495.jpg",
        "file0501.jpg",
        "file0506.jpg",
        "file0538.jpg",
        "file0601.jpg",
        "file0606.jpg",
        "file0630.jpg",
        "file0648.jpg",
        "file0654.jpg",
        "file0671.jpg",
        "file0686.jpg",
        "file0691.jpg",
        "file0709.jpg",
        "file0710.jpg",
        "file0725.jpg",
        "file0732.jpg",
        "file0738.jpg",
        "file0753.jpg",
        "file0765.jpg",
        "file0784.jpg",
        "file0832.jpg",
        "file0840.jpg",
        "file0853.jpg",
        "file0863.jpg",
        "file0885.jpg",
        "file0895.jpg",
        "file0901.jpg",
        "file0974.jpg",
        "file0985.jpg",
        "file1036.jpg",
        "file1052.jpg",
        "file1085.jpg",
        "file1090.jpg",
        "file1113.jpg",
        "file1117.jpg",
        "file1126.jpg",
        "file1128.jpg",
        "file1145.jpg",
        "file1153.jpg",
        "file1185.jpg",
    }
)
GENKI_MUSTACHE_UNSURE: Final = frozenset(
    {
        "file0031.jpg",
        "file0069.jpg",
        "file0111.jpg",
        "file0174.jpg",
        "file0187.jpg",
        "file0248.jpg",
        "file0259.jpg",
        "file0322.jpg",
        "file0356.jpg",
        "file0458.jpg",
        "file0479.jpg",
        "file0482.jpg",
        "file0545.jpg",
        "file0558.jpg",
        "file0574.jpg",
        "file0587.jpg",
        "file0588.jpg",
        "file0600.jpg",
        "file0611.jpg",
        "file0625.jpg",
        "file0629.jpg",
        "file0633.jpg",
        "file0639.jpg",
        "file0640.jpg",
        "file0653.jpg",
        "file0655.jpg",
        "file0658.jpg",
        "file0666.jpg",
        "file0669.jpg",
        "file0672.jpg",
        "file0675.jpg",
        "file0696.jpg",
        "file0697.jpg",
        "file0705.jpg",
        "file0714.jpg",
        "file0716.jpg",
        "file0724.jpg",
        "file0729.jpg",
        "file0733.jpg",
        "file0734.jpg",
        "file0735.jpg",
        "file0761.jpg",
        "file0763.jpg",
        "file0773.jpg",
        "file0776.jpg",
        "file0779.jpg",
        "file0783.jpg",
        "file0789.jpg",
        "file0821.jpg",
        "file0826.jpg",
        "file0835.jpg",
        "file0842.jpg",
        "file0845.jpg",
        "file0852.jpg",
        "file0859.jpg",
        "file0871.jpg",
        "file0876.jpg",
        "file0882.jpg",
        "file0893.jpg",
        "file0897.jpg",
        "file0906.jpg",
        "file0909.jpg",
        "file0914.jpg",
        "file0916.jpg",
        "file0919.jpg",
        "file0921.jpg",
        "file0931.jpg",
        "file0932.jpg",
        "file0937.jpg",
        "file0946.jpg",
        "file0963.jpg",
        "file0986.jpg",
        "file0991.jpg",
        "file0992.jpg",
        "file0995.jpg",
        "file1005.jpg",
        "file1014.jpg",
        "file1015.jpg",
        "file1022.jpg",
        "file1033.jpg",
        "file1053.jpg",
        "file1054.jpg",
        "file1063.jpg",
        "file1068.jpg",
        "file1069.jpg",
        "file1075.jpg",
        "file1079.jpg",
        "file1087.jpg",
        "file1092.jpg",
        "file1097.jpg",
        "file1100.jpg",
        "file1102.jpg",
        "file1106.jpg",
        "file1110.jpg",
        "file1112.jpg",
        "file1121.jpg",
        "file1125.jpg",
        "file1133.jpg",
        "file1136.jpg",
        "file1137.jpg",
        "file1139.jpg",
        "file1143.jpg",
        "file1147.jpg",
        "file1154.jpg",
        "file1160.jpg",
        "file1168.jpg",
        "file1170.jpg",
        "file1191.jpg",
        "file1193.jpg",
    }
)


def genki_mustache() -> dict[str, str]:
    """File name -> Has | None (mustache or beard) for the GENKI crops we labelled."""
    return {
        name: "Has" if name in GENKI_MUSTACHE else "None"
        for name in _genki_labelled(GENKI_MUSTACHE_RANGE, GENKI_MUSTACHE_UNSURE)
    }


def _jpegs(*numbers: int) -> frozenset[str]:
    return frozenset(f"images_{n:03d}.jpeg" for n in numbers)


# The largest face our detector finds in these `sunglasses/` photos is a clear-eyed face:
# another person in a group selfie, sunglasses pushed up or held in the hand, clear glasses.
SUNGLASSES_CLEAR: Final = _jpegs(
    211, 216, 312, 385, 387, 411, 528, 529, 551, 577, 581, 625, 637, 679, 739, 766, 770, 781, 831
)
# Not a face (an arm, a flower, a product shot, a statue), or landmarks on the mouth or nose.
SUNGLASSES_NOT_A_FACE: Final = frozenset({"images_005.jpg"}) | _jpegs(
    302, 334, 336, 373, 402, 526, 546, 561, 570, 613, 658, 688, 690, 705, 747
)
# Lenses we could not tell as sunglasses rather than tinted or clear glasses.
SUNGLASSES_UNSURE: Final = _jpegs(328, 358, 404, 600, 630, 647, 666, 793)


def sunglasses_face_label(name: str) -> str | None:
    """Sunglass or clear for the largest face of a `sunglasses/` photo; None to leave it out."""
    if name in SUNGLASSES_CLEAR:
        return "clear"
    if name in SUNGLASSES_NOT_A_FACE or name in SUNGLASSES_UNSURE:
        return None
    return "Sunglass"


# Hats and hairstyles on the largest faces of `sunglasses/` (the photos show whole heads;
# the other folders are tight crops). Faces not listed in a hat set wear none; a face in no
# hairstyle set could not be called.
# A hat or cap: beanies, caps, sun hats, a police cap.
SUNGLASSES_HAT: Final = _jpegs(
    206,
    216,
    258,
    338,
    358,
    367,
    368,
    385,
    390,
    400,
    406,
    413,
    415,
    528,
    569,
    630,
    696,
    754,
    771,
    781,
)
# Hoods, headscarves and bandanas, and a drawing: not called either way.
SUNGLASSES_HAT_UNSURE: Final = _jpegs(234, 376, 520, 554, 752, 774, 807)
# Hair below the jaw (tied-up hair was not called).
SUNGLASSES_LONG_HAIR: Final = _jpegs(
    206,
    207,
    208,
    212,
    217,
    223,
    224,
    226,
    228,
    246,
    248,
    255,
    257,
    279,
    281,
    284,
    288,
    289,
    290,
    295,
    311,
    312,
    318,
    324,
    341,
    351,
    360,
    368,
    369,
    375,
    379,
    382,
    383,
    385,
    392,
    403,
    404,
    411,
    413,
    518,
    528,
    529,
    535,
    538,
    547,
    549,
    557,
    565,
    577,
    600,
    603,
    604,
    621,
    625,
    646,
    647,
    669,
    692,
    708,
    725,
    731,
    742,
    743,
    745,
    753,
    754,
    759,
    773,
    778,
    781,
    792,
    793,
    811,
    827,
    831,
)
# Hair above the jaw.
SUNGLASSES_SHORT_HAIR: Final = _jpegs(
    205,
    211,
    216,
    227,
    230,
    235,
    237,
    244,
    249,
    252,
    258,
    264,
    297,
    328,
    329,
    332,
    343,
    345,
    363,
    372,
    387,
    406,
    408,
    415,
    537,
    543,
    552,
    564,
    569,
    581,
    608,
    637,
    663,
    679,
    693,
    696,
    720,
    771,
    775,
    782,
    794,
    803,
    810,
)
# No hair on top.
SUNGLASSES_BALD: Final = _jpegs(599)


def sunglasses_head_labels(name: str) -> tuple[str | None, str | None]:
    """(hat, hairstyle) of the largest face of a `sunglasses/` photo; None where not called."""
    hat = None
    if name not in SUNGLASSES_NOT_A_FACE | SUNGLASSES_HAT_UNSURE:
        hat = "Wear" if name in SUNGLASSES_HAT else "None"
    styles = {"Long": SUNGLASSES_LONG_HAIR, "Short": SUNGLASSES_SHORT_HAIR, "Bald": SUNGLASSES_BALD}
    return hat, next((style for style, names in styles.items() if name in names), None)


# Mustache or beard on the same faces (stubble we could not call either way is unsure).
SUNGLASSES_MUSTACHE: Final = _jpegs(
    211, 235, 249, 252, 258, 369, 390, 406, 415, 569, 599, 637, 663, 679, 720, 771, 782, 807
)
SUNGLASSES_MUSTACHE_UNSURE: Final = _jpegs(
    205, 227, 237, 264, 328, 329, 345, 358, 363, 408, 564, 608, 630, 693, 775, 794, 810
)


def sunglasses_mustache(name: str) -> str | None:
    """Has or None for the largest face of a `sunglasses/` photo; None where not called."""
    if name in SUNGLASSES_NOT_A_FACE | SUNGLASSES_MUSTACHE_UNSURE:
        return None
    return "Has" if name in SUNGLASSES_MUSTACHE else "None"
