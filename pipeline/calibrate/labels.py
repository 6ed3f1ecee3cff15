"""Labels we added to the fixtures by eye, where the fixtures carry none.

`IDENTITY_GENDER`: the gender of each of the 48 people of `identities/` (one label per
folder, read off a contact sheet of their photos); used to measure gender accuracy.
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
IDENTITY_GENDER: Final[dict[str, str]] = {name: "Female" for name in _FEMALE} | {
    name: "Male" for name in _MALE
}
