"""Request bodies of the HTTP service, as documented (docs/contract.md)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic.alias_generators import to_camel

from pipeline.settings import LIBRARY_ID

# One async call submits at most this many images (the `tasks` form).
MAX_TASKS = 100


def _without_nul(value: str) -> str:
    # JSON can carry "\u0000", but no URL, id or seed has one, and PostgreSQL text refuses it.
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


# Every string a request carries.
Text = Annotated[str, AfterValidator(_without_nul)]


class _Body(BaseModel):
    # Unknown fields are ignored, as the cloud APIs do (clients send bizType, scenes, ...).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DetectTask(_Body):
    data_id: Text | None = Field(default=None, max_length=256)
    url: Text


class DetectRequest(_Body):
    """`/green/face/detect`: `url` is http(s)://, s3://, oss:// or base64://; `liveness`
    also judges whether each face is a live person."""

    biz_type: Text | None = None
    data_id: Text | None = Field(default=None, max_length=256)
    url: Text
    liveness: bool = False


class AsyncDetectRequest(_Body):
    """`/green/face/asyncdetect`: one `url`, or up to 100 `tasks`; optional signed callback."""

    biz_type: Text | None = None
    data_id: Text | None = Field(default=None, max_length=256)
    url: Text | None = None
    tasks: list[DetectTask] | None = Field(default=None, min_length=1, max_length=MAX_TASKS)
    callback: Text | None = None
    seed: Text | None = Field(default=None, max_length=256)
    liveness: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.url is None) == (self.tasks is None):
            raise ValueError("give either url or tasks (a list of {dataId, url}), not both")
        if self.callback is not None and self.seed is None:
            raise ValueError(
                "a callback needs a seed: the checksum is sha256(uid + seed + content)"
            )
        return self

    def images(self) -> list[DetectTask]:
        if self.tasks is not None:
            return self.tasks
        assert self.url is not None  # checked by _one_form
        return [DetectTask(data_id=self.data_id, url=self.url)]


class FasRequest(_Body):
    """ctyun's face anti-spoofing: `{imageContent}`, an image in plain base64 (no prefix)."""

    image_content: Text = Field(min_length=1)


class ResultsRequest(RootModel[list[Text]]):
    """`/green/face/results`: the task ids to look up."""

    root: list[Text] = Field(min_length=1, max_length=MAX_TASKS)


ImageType = Literal["FacePic", "IDPic"]
# CompareFaces' own fields, as Cloudauth's RPC form carries them.
CLOUDAUTH_FIELDS = ("SourceImageType", "SourceImageValue", "TargetImageType", "TargetImageValue")


class CompareRequest(BaseModel):
    """Cloudauth CompareFaces fields (http(s) URL or base64://), or ctyun's
    `{img1Base64, img2Base64}` (base64 without prefix)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source_image_value: Text | None = Field(default=None, alias="SourceImageValue")
    target_image_value: Text | None = Field(default=None, alias="TargetImageValue")
    source_image_type: ImageType = Field(default="FacePic", alias="SourceImageType")
    target_image_type: ImageType = Field(default="FacePic", alias="TargetImageType")
    img1_base64: Text | None = Field(default=None, alias="img1Base64")
    img2_base64: Text | None = Field(default=None, alias="img2Base64")
    callback: Text | None = None
    seed: Text | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        cloudauth = self.source_image_value is not None and self.target_image_value is not None
        ctyun = self.img1_base64 is not None and self.img2_base64 is not None
        if cloudauth == ctyun:
            raise ValueError(
                "give SourceImageValue and TargetImageValue, or img1Base64 and img2Base64"
            )
        if self.callback is not None and self.seed is None:
            raise ValueError(
                "a callback needs a seed: the checksum is sha256(uid + seed + content)"
            )
        return self

    @property
    def ctyun(self) -> bool:
        return self.img1_base64 is not None

    def images(self) -> tuple[str, str]:
        """(source, target) as image URIs; ctyun's bare base64 becomes base64://."""
        if self.img1_base64 is not None and self.img2_base64 is not None:
            return "base64://" + self.img1_base64, "base64://" + self.img2_base64
        # One of the two forms is complete (checked by _one_form). Cloudauth's value is a URL
        # or the image itself in base64, without a scheme.
        return _uri(str(self.source_image_value)), _uri(str(self.target_image_value))


def _uri(value: str) -> str:
    return value if "://" in value else "base64://" + value


# Person and group ids of the face library: letters, digits, `_` and `-`, at most 32.
LibraryId = Annotated[str, Field(pattern=f"^{LIBRARY_ID}$")]
FaceId = Annotated[str, Field(pattern=r"^[0-9]{1,20}$")]
# Faces added per call and person (the documented per-person limit).
MAX_FACE_URLS = 20


class PersonRef(_Body):
    """`/green/sface/person`, `/person/delete`: one person."""

    person_id: LibraryId


class AddPersonRequest(_Body):
    """`/green/sface/person/add`: groups that do not exist yet are created."""

    person_id: LibraryId
    group_ids: list[LibraryId] = Field(min_length=1, max_length=100)
    name: Text | None = Field(default=None, max_length=256)
    note: Text | None = Field(default=None, max_length=1024)


class UpdatePersonRequest(_Body):
    person_id: LibraryId
    name: Text | None = Field(default=None, max_length=256)
    note: Text | None = Field(default=None, max_length=1024)


class PersonGroupsRequest(_Body):
    """`/green/sface/person/groups/add` and `/delete`."""

    person_id: LibraryId
    group_ids: list[LibraryId] = Field(min_length=1, max_length=100)


class AddFacesRequest(_Body):
    """`/green/sface/face/add`: each URL's largest face, if the quality gate passes it."""

    person_id: LibraryId
    urls: list[Text] = Field(min_length=1, max_length=MAX_FACE_URLS)
    biz_type: Text | None = None


class FacesRequest(_Body):
    """`/green/sface/faces`: the person's faces, or those of `faceIds`."""

    person_id: LibraryId
    face_ids: list[FaceId | int] | None = Field(default=None, max_length=MAX_FACE_URLS)


class DeleteFacesRequest(_Body):
    person_id: LibraryId
    face_ids: list[FaceId | int] = Field(min_length=1, max_length=MAX_FACE_URLS)


class GroupPersonsRequest(_Body):
    """`/green/sface/group/persons`: one page of a group's person ids."""

    group_id: LibraryId
    current_page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class ScanExtras(_Body):
    group_id: LibraryId


class ScanTask(_Body):
    data_id: Text | None = Field(default=None, max_length=256)
    url: Text
    extras: ScanExtras


class ScanRequest(_Body):
    """`/green/image/scan` and `/asyncscan` with scene `sface-n`: search each task's image
    in the group `extras.groupId`."""

    scenes: list[Literal["sface-n"]] = Field(min_length=1, max_length=1)
    tasks: list[ScanTask] = Field(min_length=1, max_length=MAX_TASKS)
    biz_type: Text | None = None
    callback: Text | None = None
    seed: Text | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _signed(self) -> Self:
        if self.callback is not None and self.seed is None:
            raise ValueError(
                "a callback needs a seed: the checksum is sha256(uid + seed + content)"
            )
        return self


class SearchRequest(_Body):
    """`/green/sface/search`: the persons of `groupId` that each face of `url` matches."""

    group_id: LibraryId
    url: Text
    data_id: Text | None = Field(default=None, max_length=256)
