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
`sunglasses_bang()`: a fringe over the forehead on the same faces, read off sheets of the
head crop the face-parsing network sees (`pipeline.vision.parsing.HEAD_EYES`).
`identity_bang()`: a fringe on `identities/` photos, read off numbered sheets of the top 62%
of each crop (brows and what the crop shows of the forehead): hair hanging over the forehead
above the brows, straight or side-swept, is `Has`; a forehead showing skin above the brows,
whatever the hairline, is `None`. Photos with a hat, cap or headpiece, with the forehead cut
off or too blurred to tell are left out (126 of 451). `faces/`: none of its faces has a
fringe (every face the engine detects there was checked on a sheet of head crops).
"""

from __future__ import annotations

from typing import Final


def _genki(numbers: str) -> frozenset[str]:
    """GENKI-4K file names from their numbers ("1 38" -> file0001.jpg, file0038.jpg)."""
    return frozenset(f"file{int(n):04d}.jpg" for n in numbers.split())


def _jpegs(numbers: str) -> frozenset[str]:
    """`sunglasses/` file names from their numbers ("211 216" -> images_211.jpeg, ...)."""
    return frozenset(f"images_{int(n):03d}.jpeg" for n in numbers.split())


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


# GENKI-4K files 1-1200, glasses read off contact sheets (64 px crops, each numbered). Every
# other file of that range is "None"; the unsure ones (no face, tinted lenses, too dim,
# blurred or pixelated) are left out. The mustache labels below cover the same range.
GENKI_LABELLED_RANGE: Final = range(1, 1201)
GENKI_WEAR: Final = _genki(
    "1 38 44 49 61 65 67 74 97 101 105 129 131 140 150 163 201 208 209 214 230 253 255 256 "
    "259 273 288 294 301 305 353 359 373 395 398 399 417 423 435 444 445 506 507 515 548 557 "
    "562 568 570 581 604 612 627 641 644 661 663 675 684 685 686 691 701 710 715 725 749 759 "
    "774 795 796 827 856 868 872 873 874 875 885 902 903 909 1008 1021 1027 1034 1037 1040 "
    "1044 1052 1066 1067 1089 1101 1117 1130 1132 1140 1153 1156 1162 1170 1171 1183 1190"
)
GENKI_SUNGLASS: Final = _genki(
    "88 149 404 478 498 522 524 585 601 649 696 745 839 974 999 1011 1095 1166 1187"
)
GENKI_GLASSES_UNSURE: Final = _genki(
    "63 111 223 282 298 322 405 413 488 569 583 611 625 629 633 639 640 655 658 672 697 705 "
    "709 714 716 733 735 761 773 776 779 783 789 821 826 842 845 852 859 871 876 882 893 906 "
    "914 916 919 921 931 946 963 986 991 992 1005 1015 1022 1033 1054 1063 1068 1069 1075 "
    "1087 1092 1097 1100 1106 1110 1112 1121 1125 1133 1139 1143 1147 1154 1160 1191"
)


def _genki_labelled(unsure: frozenset[str]) -> list[str]:
    """The GENKI files we labelled, minus the ones we were unsure of."""
    names = (f"file{number:04d}.jpg" for number in GENKI_LABELLED_RANGE)
    return [name for name in names if name not in unsure]


def genki_glasses() -> dict[str, str]:
    """File name -> None | Wear | Sunglass for the GENKI crops we labelled."""
    return {
        name: "Wear" if name in GENKI_WEAR else "Sunglass" if name in GENKI_SUNGLASS else "None"
        for name in _genki_labelled(GENKI_GLASSES_UNSURE)
    }


GENKI_MUSTACHE: Final = _genki(
    "2 27 37 74 113 118 124 131 169 185 212 239 257 264 273 276 309 319 321 339 344 346 366 "
    "428 435 444 445 473 495 501 506 538 601 606 630 648 654 671 686 691 709 710 725 732 738 "
    "753 765 784 832 840 853 863 885 895 901 974 985 1036 1052 1085 1090 1113 1117 1126 1128 "
    "1145 1153 1185"
)
GENKI_MUSTACHE_UNSURE: Final = _genki(
    "31 69 111 174 187 248 259 322 356 458 479 482 545 558 574 587 588 600 611 625 629 633 "
    "639 640 653 655 658 666 669 672 675 696 697 705 714 716 724 729 733 734 735 761 763 773 "
    "776 779 783 789 821 826 835 842 845 852 859 871 876 882 893 897 906 909 914 916 919 921 "
    "931 932 937 946 963 986 991 992 995 1005 1014 1015 1022 1033 1053 1054 1063 1068 1069 "
    "1075 1079 1087 1092 1097 1100 1102 1106 1110 1112 1121 1125 1133 1136 1137 1139 1143 "
    "1147 1154 1160 1168 1170 1191 1193"
)


def genki_mustache() -> dict[str, str]:
    """File name -> Has | None (mustache or beard) for the GENKI crops we labelled."""
    return {
        name: "Has" if name in GENKI_MUSTACHE else "None"
        for name in _genki_labelled(GENKI_MUSTACHE_UNSURE)
    }


# The largest face our detector finds in these `sunglasses/` photos is a clear-eyed face:
# another person in a group selfie, sunglasses pushed up or held in the hand, clear glasses.
SUNGLASSES_CLEAR: Final = _jpegs(
    "211 216 312 385 387 411 528 529 551 577 581 625 637 679 739 766 770 781 831"
)
# Not a face (an arm, a flower, a product shot, a statue), or landmarks on the mouth or nose.
SUNGLASSES_NOT_A_FACE: Final = frozenset({"images_005.jpg"}) | _jpegs(
    "302 334 336 373 402 526 546 561 570 613 658 688 690 705 747"
)
# Lenses we could not tell as sunglasses rather than tinted or clear glasses.
SUNGLASSES_UNSURE: Final = _jpegs("328 358 404 600 630 647 666 793")


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
    "206 216 258 338 358 367 368 385 390 400 406 413 415 528 569 630 696 754 771 781"
)
# Hoods, headscarves and bandanas, and a drawing: not called either way.
SUNGLASSES_HAT_UNSURE: Final = _jpegs("234 376 520 554 752 774 807")
# Hair below the jaw (tied-up hair was not called).
SUNGLASSES_LONG_HAIR: Final = _jpegs(
    "206 207 208 212 217 223 224 226 228 246 248 255 257 279 281 284 288 289 290 295 311 312 "
    "318 324 341 351 360 368 369 375 379 382 383 385 392 403 404 411 413 518 528 529 535 538 "
    "547 549 557 565 577 600 603 604 621 625 646 647 669 692 708 725 731 742 743 745 753 754 "
    "759 773 778 781 792 793 811 827 831"
)
# Hair above the jaw.
SUNGLASSES_SHORT_HAIR: Final = _jpegs(
    "205 211 216 227 230 235 237 244 249 252 258 264 297 328 329 332 343 345 363 372 387 406 "
    "408 415 537 543 552 564 569 581 608 637 663 679 693 696 720 771 775 782 794 803 810"
)
# No hair on top.
SUNGLASSES_BALD: Final = _jpegs("599")


def sunglasses_head_labels(name: str) -> tuple[str | None, str | None]:
    """(hat, hairstyle) of the largest face of a `sunglasses/` photo; None where not called."""
    hat = None
    if name not in SUNGLASSES_NOT_A_FACE | SUNGLASSES_HAT_UNSURE:
        hat = "Wear" if name in SUNGLASSES_HAT else "None"
    styles = {"Long": SUNGLASSES_LONG_HAIR, "Short": SUNGLASSES_SHORT_HAIR, "Bald": SUNGLASSES_BALD}
    return hat, next((style for style, names in styles.items() if name in names), None)


# Mustache or beard on the same faces (stubble we could not call either way is unsure).
SUNGLASSES_MUSTACHE: Final = _jpegs(
    "211 235 249 252 258 369 390 406 415 569 599 637 663 679 720 771 782 807"
)
SUNGLASSES_MUSTACHE_UNSURE: Final = _jpegs(
    "205 227 237 264 328 329 345 358 363 408 564 608 630 693 775 794 810"
)


def sunglasses_mustache(name: str) -> str | None:
    """Has or None for the largest face of a `sunglasses/` photo; None where not called."""
    if name in SUNGLASSES_NOT_A_FACE | SUNGLASSES_MUSTACHE_UNSURE:
        return None
    return "Has" if name in SUNGLASSES_MUSTACHE else "None"


# Fringes on the same faces: hair hanging over the forehead (side-swept or straight). Faces
# with a hat, hood or scarf, faces cut above the brows and those we could not call either way
# at this size are left out.
SUNGLASSES_BANG: Final = _jpegs(
    "230 324 332 346 351 372 379 387 408 552 621 625 778 788 792 793 811"
)
SUNGLASSES_BANG_UNSURE: Final = _jpegs(
    "206 208 212 216 217 226 228 234 235 237 255 258 264 266 277 279 288 295 303 312 328 338 "
    "355 358 367 368 376 385 390 392 400 403 404 406 413 415 518 520 523 528 534 539 549 551 "
    "554 565 569 600 608 630 646 647 662 666 695 696 731 739 752 753 754 759 765 770 771 773 "
    "774 779 781 807 808 830"
)


def sunglasses_bang(name: str) -> str | None:
    """Has or None for the largest face of a `sunglasses/` photo; None where not called."""
    hat, _ = sunglasses_head_labels(name)
    if hat != "None" or name in SUNGLASSES_BANG_UNSURE:
        return None
    return "Has" if name in SUNGLASSES_BANG else "None"


def _identity_photos(photos: dict[str, str]) -> frozenset[str]:
    """`identities/` paths from names per person ({"aidai": "0_0_aidai_0014"} ->
    aidai/0_0_aidai_0014.jpg)."""
    return frozenset(
        f"{person}/{name}.jpg" for person, names in photos.items() for name in names.split()
    )


IDENTITY_BANG: Final = _identity_photos(
    {
        "baibaihe": (
            "0_0_baibaihe_0077 0_0_baibaihe_0085 0_0_baibaihe_0204 0_0_baibaihe_0216 "
            "1_0_baibaihe_0005 1_0_baibaihe_0029"
        ),
        "caiyilin": "1_0_caiyilin_0045",
        "changshilei": "0_0_changshilei_0182 1_0_changshilei_0002",
        "chenglong": "1_0_chenglong_0043",
        "chenhe": "0_0_chenhe_0007",
        "chenhuilin": "0_0_chenhuilin_0076",
        "chenyao": (
            "0_0_chenyao_0016 0_0_chenyao_0024 0_0_chenyao_0027 0_0_chenyao_0033 "
            "0_0_chenyao_0038 0_0_chenyao_0043 0_0_chenyao_0044 0_0_chenyao_0051 "
            "0_0_chenyao_0053 0_0_chenyao_0065 0_0_chenyao_0073 0_0_chenyao_0074 "
            "1_0_chenyao_0014"
        ),
        "dongchengpeng": "0_0_dongchengpeng_0042",
        "huangjinglun": "0_0_huangjinglun_0010",
        "huangtingting": "0_0_huangtingting_0010 0_0_huangtingting_0035",
        "jianailiang": "0_0_jianailiang_0024",
        "jinchen": "0_0_jinchen_0120 1_0_jinchen_0065 1_0_jinchen_0070",
        "jingbairan": "0_0_jingbairan_0004 0_0_jingbairan_0007",
        "linyilun": "0_0_linyilun_0041",
        "liuruilin": "0_0_liuruilin_0066 0_0_liuruilin_0101 1_0_liuruilin_0013",
        "lixingliang": (
            "0_0_lixingliang_0011 0_0_lixingliang_0013 0_0_lixingliang_0033 "
            "0_0_lixingliang_0037 1_0_lixingliang_0008 1_0_lixingliang_0010 "
            "1_0_lixingliang_0018"
        ),
        "lizi": "0_0_lizi_0054",
        "luojin": "0_0_luojin_0014",
        "maguoming": "0_0_maguoming_0041",
        "maolinlin": "0_0_maolinlin_0034 0_0_maolinlin_0040 0_0_maolinlin_0082",
        "maoxiaotong": (
            "0_0_maoxiaotong_0051 0_0_maoxiaotong_0052 0_0_maoxiaotong_0063 "
            "0_0_maoxiaotong_0064 0_0_maoxiaotong_0167 0_0_maoxiaotong_0177 "
            "0_0_maoxiaotong_0178"
        ),
        "masu": "0_0_masu_0005 0_0_masu_0081 0_0_masu_0122",
        "sunli": "0_0_sunli_0104 1_0_sunli_0010 1_0_sunli_0015",
        "tianliang": "0_0_tianliang_0017",
        "wangdongcheng": (
            "0_0_wangdongcheng_0068 0_0_wangdongcheng_0070 0_0_wangdongcheng_0089 "
            "0_0_wangdongcheng_0105 0_0_wangdongcheng_0110"
        ),
        "wanghan": "0_0_wanghan_0026 0_0_wanghan_0027 0_0_wanghan_0028",
        "xiaozhan": (
            "0_0_xiaozhan_0001 0_0_xiaozhan_0002 0_0_xiaozhan_0003 0_0_xiaozhan_0035 "
            "0_0_xiaozhan_0045 0_0_xiaozhan_0046"
        ),
        "xinzi": "1_0_xinzi_0070",
        "yaochen": "0_0_yaochen_0001",
        "zhaoyazhi": "0_0_zhaoyazhi_0040 0_0_zhaoyazhi_0041 0_0_zhaoyazhi_0063",
        "zhouyumin": (
            "0_0_zhouyumin_0002 0_0_zhouyumin_0004 0_0_zhouyumin_0007 0_0_zhouyumin_0032 "
            "0_0_zhouyumin_0038"
        ),
    }
)
IDENTITY_NO_BANG: Final = _identity_photos(
    {
        "aidai": (
            "0_0_aidai_0029 0_0_aidai_0136 1_0_aidai_0001 1_0_aidai_0003 1_0_aidai_0008 "
            "1_0_aidai_0010 1_0_aidai_0011 1_0_aidai_0015"
        ),
        "baibaihe": (
            "0_0_baibaihe_0236 1_0_baibaihe_0003 1_0_baibaihe_0004 1_0_baibaihe_0028 "
            "1_0_baibaihe_0055 1_0_baibaihe_0056 1_0_baibaihe_0060"
        ),
        "caiguoqing": (
            "0_0_caiguoqing_0067 0_0_caiguoqing_0093 0_0_caiguoqing_0113 0_0_caiguoqing_0146 "
            "1_0_caiguoqing_0003 1_0_caiguoqing_0009"
        ),
        "caiyilin": (
            "0_0_caiyilin_0024 0_0_caiyilin_0029 0_0_caiyilin_0100 0_0_caiyilin_0101 "
            "1_0_caiyilin_0038 1_0_caiyilin_0043 1_0_caiyilin_0088 1_0_caiyilin_0098 "
            "1_0_caiyilin_0106 1_0_caiyilin_0140 1_0_caiyilin_0141 1_0_caiyilin_0148"
        ),
        "chenglong": "0_0_chenglong_0036 0_0_chenglong_0063",
        "chenhe": "0_0_chenhe_0031",
        "chenhuilin": (
            "0_0_chenhuilin_0018 0_0_chenhuilin_0023 0_0_chenhuilin_0048 0_0_chenhuilin_0085 "
            "0_0_chenhuilin_0094 0_0_chenhuilin_0099 0_0_chenhuilin_0104 0_0_chenhuilin_0114"
        ),
        "chenyao": "1_0_chenyao_0011 1_0_chenyao_0012 1_0_chenyao_0019",
        "dongchengpeng": (
            "0_0_dongchengpeng_0001 0_0_dongchengpeng_0004 0_0_dongchengpeng_0016 "
            "0_0_dongchengpeng_0020 0_0_dongchengpeng_0021"
        ),
        "fanwei": "0_0_fanwei_0012 0_0_fanwei_0017 1_0_fanwei_0005 1_0_fanwei_0006",
        "hanxue": (
            "0_0_hanxue_0004 0_0_hanxue_0010 0_0_hanxue_0062 0_0_hanxue_0085 0_0_hanxue_0088 "
            "0_0_hanxue_0096 1_0_hanxue_0027 1_0_hanxue_0028 1_0_hanxue_0031 1_0_hanxue_0034 "
            "1_0_hanxue_0035 1_0_hanxue_0120 1_0_hanxue_0123 1_0_hanxue_0124"
        ),
        "huangjinglun": "0_0_huangjinglun_0004 0_0_huangjinglun_0008 0_0_huangjinglun_0017",
        "huangtingting": "0_0_huangtingting_0008 0_0_huangtingting_0034",
        "jianailiang": (
            "0_0_jianailiang_0005 0_0_jianailiang_0006 0_0_jianailiang_0007 0_0_jianailiang_0015"
        ),
        "jinchen": (
            "0_0_jinchen_0071 0_0_jinchen_0082 1_0_jinchen_0003 1_0_jinchen_0004 "
            "1_0_jinchen_0009 1_0_jinchen_0064 1_0_jinchen_0072"
        ),
        "jingbairan": (
            "0_0_jingbairan_0003 0_0_jingbairan_0014 0_0_jingbairan_0018 0_0_jingbairan_0019"
        ),
        "jinggangshan": "0_0_jinggangshan_0019 0_0_jinggangshan_0083",
        "licaihua": (
            "0_0_licaihua_0002 0_0_licaihua_0004 0_0_licaihua_0031 0_0_licaihua_0036 "
            "0_0_licaihua_0058 0_0_licaihua_0066"
        ),
        "lijian": "0_0_lijian_0012",
        "linyilun": "0_0_linyilun_0040 0_0_linyilun_0062",
        "liudehua": (
            "0_0_liudehua_0004 0_0_liudehua_0031 0_0_liudehua_0074 0_0_liudehua_0124 "
            "1_0_liudehua_0009 1_0_liudehua_0015"
        ),
        "liuruilin": (
            "0_0_liuruilin_0002 0_0_liuruilin_0042 0_0_liuruilin_0084 1_0_liuruilin_0012 "
            "1_0_liuruilin_0019"
        ),
        "lizi": (
            "0_0_lizi_0006 0_0_lizi_0071 0_0_lizi_0072 0_0_lizi_0085 0_0_lizi_0103 0_0_lizi_0104"
        ),
        "luojin": (
            "0_0_luojin_0028 0_0_luojin_0173 1_0_luojin_0001 1_0_luojin_0007 1_0_luojin_0012 "
            "1_0_luojin_0019 1_0_luojin_0033 1_0_luojin_0038 1_0_luojin_0044 1_0_luojin_0056 "
            "1_0_luojin_0062 1_0_luojin_0072"
        ),
        "lvyi": (
            "0_0_lvyi_0040 0_0_lvyi_0063 0_0_lvyi_0076 0_0_lvyi_0082 0_0_lvyi_0085 1_0_lvyi_0030 "
            "1_0_lvyi_0031 1_0_lvyi_0036 1_0_lvyi_0038"
        ),
        "maguoming": "0_0_maguoming_0072 0_0_maguoming_0074",
        "maolinlin": (
            "0_0_maolinlin_0003 0_0_maolinlin_0005 0_0_maolinlin_0073 0_0_maolinlin_0076 "
            "0_0_maolinlin_0083 0_0_maolinlin_0085 0_0_maolinlin_0093"
        ),
        "maoxiaotong": (
            "0_0_maoxiaotong_0055 0_0_maoxiaotong_0060 0_0_maoxiaotong_0061 0_0_maoxiaotong_0164"
        ),
        "masu": "0_0_masu_0032 0_0_masu_0067 0_0_masu_0075 0_0_masu_0090 0_0_masu_0115",
        "nieyuan": (
            "0_0_nieyuan_0102 0_0_nieyuan_0106 0_0_nieyuan_0170 0_0_nieyuan_0186 "
            "1_0_nieyuan_0052 1_0_nieyuan_0058 1_0_nieyuan_0061 1_0_nieyuan_0062 "
            "1_0_nieyuan_0063 1_0_nieyuan_0067 1_0_nieyuan_0069 1_0_nieyuan_0075 "
            "1_0_nieyuan_0076 1_0_nieyuan_0077 1_0_nieyuan_0081 1_0_nieyuan_0087"
        ),
        "qiwei": (
            "0_0_qiwei_0080 0_0_qiwei_0118 0_0_qiwei_0122 0_0_qiwei_0150 0_0_qiwei_0175 "
            "0_0_qiwei_0179 0_0_qiwei_0235 0_0_qiwei_0256 0_0_qiwei_0261 1_0_qiwei_0047 "
            "1_0_qiwei_0048 1_0_qiwei_0049 1_0_qiwei_0052 1_0_qiwei_0054"
        ),
        "shaofeng": "1_0_shaofeng_0003 1_0_shaofeng_0005",
        "songzuer": (
            "0_0_songzuer_0007 0_0_songzuer_0032 0_0_songzuer_0064 0_0_songzuer_0068 "
            "0_0_songzuer_0079 0_0_songzuer_0086 0_0_songzuer_0154"
        ),
        "sunhonglei": (
            "0_0_sunhonglei_0064 0_0_sunhonglei_0075 0_0_sunhonglei_0079 1_0_sunhonglei_0023"
        ),
        "sunli": "0_0_sunli_0120 0_0_sunli_0211 0_0_sunli_0232",
        "tianliang": (
            "0_0_tianliang_0012 0_0_tianliang_0019 0_0_tianliang_0040 0_0_tianliang_0042 "
            "1_0_tianliang_0006 1_0_tianliang_0007 1_0_tianliang_0008 1_0_tianliang_0013"
        ),
        "wangdongcheng": "0_0_wangdongcheng_0101",
        "wanghan": (
            "0_0_wanghan_0031 1_0_wanghan_0022 1_0_wanghan_0030 1_0_wanghan_0032 "
            "1_0_wanghan_0035 1_0_wanghan_0037 1_0_wanghan_0169 1_0_wanghan_0171"
        ),
        "xinzi": "0_0_xinzi_0240 1_0_xinzi_0001 1_0_xinzi_0060",
        "yaochen": "0_0_yaochen_0006 0_0_yaochen_0037",
        "zhoujie": "0_0_zhoujie_0039 0_0_zhoujie_0051 0_0_zhoujie_0070 0_0_zhoujie_0075",
        "zhouxiuna": (
            "0_0_zhouxiuna_0023 1_0_zhouxiuna_0009 1_0_zhouxiuna_0010 1_0_zhouxiuna_0015 "
            "1_0_zhouxiuna_0018 1_0_zhouxiuna_0019"
        ),
    }
)


def identity_bang(path: str) -> str | None:
    """Has or None for an `identities/` photo ("person/file.jpg"); None where not called."""
    if path in IDENTITY_BANG:
        return "Has"
    return "None" if path in IDENTITY_NO_BANG else None
