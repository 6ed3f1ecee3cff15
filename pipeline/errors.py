"""The one exception tree of facepipe.

Every error knows the code it is reported with, so a worker, the CLI and the HTTP service
all answer a given failure the same way::

    FacepipeError
    ├── PermanentError                 stored as a failed result, never retried
    │   ├── InvalidRequestError            400  bad parameter or unsupported URI
    │   ├── ImageError                     a documented image limit
    │   │   ├── EmptyImageError                460  zero bytes
    │   │   ├── ImageTooLargeError             413  file > 20 MB
    │   │   ├── UnsupportedImageFormatError    415  not PNG/JPEG/BMP/GIF/WEBP
    │   │   ├── ImageDecodeError               422  allowed format, corrupt or truncated
    │   │   ├── ImageDimensionsError           461  width or height > 30,000 px
    │   │   ├── ImagePixelsError               462  width x height > 250,000,000
    │   │   └── GifPixelsError                 463  GIF width x height > 4,194,304
    │   ├── SourceNotFoundError            404  object or file does not exist
    │   ├── SourceAccessDeniedError        403  credentials refused
    │   ├── InlineImageExpiredError        410  an inline image was not fetched within its TTL
    │   ├── UnsafeUrlError                 480  URL resolves to a private/metadata address
    │   ├── NoFaceError                    470  compare needs a face in each image
    │   ├── FaceNotQualifiedError          471  enrolment refuses a face the gate refuses
    │   ├── LibraryNotFoundError           404  no such person (or group) in the account
    │   ├── LibraryLimitError              467  20 faces per person, 100 groups per account
    │   ├── ProcessingTimeoutError         504  one image exceeded the worker's time limit
    │   ├── MemoryLimitError               507  one image needed more than the job's memory
    │   └── RedeliveryLimitError           508  the job killed its worker too many times
    ├── TransientError                 retried with backoff
    │   ├── DownloadTimeoutError           408  download took longer than 3 s
    │   └── SourceUnavailableError         503  upstream 5xx, connection reset
    ├── RequestError                   the HTTP service refuses the request (nothing stored)
    │   ├── MalformedRequestError          400  body not JSON, wrong types, missing field
    │   │   └── UnknownActionError             400  an RPC Action facepipe does not answer
    │   ├── UnauthorizedError              401  unsigned, or a malformed signature
    │   │   ├── UnknownKeyError                401  unknown or revoked key
    │   │   ├── SignatureMismatchError         401  the signature does not match
    │   │   ├── StaleRequestError              401  its time is outside the window
    │   │   ├── ReplayedRequestError           401  its nonce (or signature) was used before
    │   │   └── ContentDigestMismatchError     401  Content-MD5 is not the body's
    │   ├── BucketNotAllowedError          403  a bucket outside FACEPIPE_SOURCE_ALLOWED_BUCKETS
    │   ├── ThrottledError                 429  over the key's rate (50 requests/s)
    │   ├── HeadersTooLargeError           431  request headers over 64 KB
    │   ├── RequestTooLargeError           464  body over 8 MB (HTTP 413)
    │   ├── UrlTooLongError                465  url over 2,048 characters
    │   ├── CompareImageTooLargeError      466  compare image over 2 MB (HTTP 413)
    │   ├── CtyunImageTooLargeError        468  ctyun liveness image over 2 MB (HTTP 413)
    │   └── ServiceUnavailableError        503  the broker or the results store is down
    ├── SyncTimeoutError               581  a sync call had no result within 6 s
    └── InternalError                  500  a bug; reported, never hidden
        └── MissingModelError / MissingExtensionError  a model file or database extension

The documented `/green/face/detect` response says its `code` follows HTTP status codes but
does not list the codes for each limit, so facepipe keeps HTTP's meaning where HTTP has one
(400, 403, 404, 408, 413, 415, 422, 500, 503) and uses 46x/470 for the image limits and "no
face", so that every documented limit has a code of its own. `ctyun_code` is the matching code
of the ctyun dialect (4101-4105, 5000). A sync call that outlives the documented 6 s answers
581: the documented API names "a timeout code" without its number (docs/contract.md), it
is the service's fault (5xx), and 504 already means one job outlived the workers' limit.
`http_status` is the status line of an HTTP answer carrying the error (the code itself when
HTTP has that status, else 200 with the code in the body, as the documented API does for
per-image failures).

Every refusal (a non-2xx answer) also carries `Code`, `Message` and `RequestId`, the fields the
Alibaba Cloud SDKs read: `Code` is `acs_code` where Alibaba has a code for the failure (the
signature errors), else the error's name.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FacepipeError(Exception):
    """Base of every error facepipe raises on purpose."""

    code: ClassVar[int] = 500
    name: ClassVar[str] = "InternalError"
    ctyun_code: ClassVar[str] = "5000"
    retryable: ClassVar[bool] = False
    http_status: ClassVar[int] = 200
    # The code an Alibaba Cloud SDK shows for this error; None: the error's name.
    acs_code: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """The error as the JSON fields every facepipe response carries."""
        return {"code": self.code, "error": self.name, "msg": self.message}

    def refusal(self, request_id: str) -> dict[str, Any]:
        """The body of a non-2xx answer: the documented fields and the SDKs' own."""
        return {
            **self.to_dict(),
            "requestId": request_id,
            "Code": self.acs_code or self.name,
            "Message": self.message,
            "RequestId": request_id,
        }


class InternalError(FacepipeError):
    """An unexpected failure inside facepipe (a bug)."""

    http_status = 500


class MissingModelError(InternalError):
    """A model file is not installed, or is not the file facepipe was calibrated on."""


class MissingExtensionError(InternalError):
    """The store's database lacks an extension the configuration asks for (pgvector)."""


class PermanentError(FacepipeError):
    """Retrying cannot help: the result is stored as failed with this code."""


class TransientError(FacepipeError):
    """The same request may succeed later: workers retry with backoff."""

    retryable: ClassVar[bool] = True


class InvalidRequestError(PermanentError):
    code = 400
    name = "InvalidRequest"
    ctyun_code = "4101"


class ImageError(PermanentError):
    """The bytes break one of the documented image requirements."""

    code = 422
    name = "ImageError"
    ctyun_code = "4104"


class EmptyImageError(ImageError):
    code = 460
    name = "EmptyImage"
    ctyun_code = "4101"


class ImageTooLargeError(ImageError):
    code = 413
    name = "ImageTooLarge"
    ctyun_code = "4103"


class UnsupportedImageFormatError(ImageError):
    code = 415
    name = "UnsupportedImageFormat"


class ImageDecodeError(ImageError):
    code = 422
    name = "ImageDecodeFailed"


class ImageDimensionsError(ImageError):
    code = 461
    name = "ImageDimensionsExceeded"


class ImagePixelsError(ImageError):
    code = 462
    name = "ImagePixelsExceeded"


class GifPixelsError(ImageError):
    code = 463
    name = "GifPixelsExceeded"


class SourceNotFoundError(PermanentError):
    code = 404
    name = "ImageNotFound"
    ctyun_code = "4101"


class SourceAccessDeniedError(PermanentError):
    code = 403
    name = "ImageAccessDenied"
    ctyun_code = "4101"


class InlineImageExpiredError(PermanentError):
    code = 410
    name = "InlineImageExpired"
    ctyun_code = "4101"


class UnsafeUrlError(PermanentError):
    code = 480
    name = "UnsafeUrl"
    ctyun_code = "4101"


class ProcessingTimeoutError(PermanentError):
    code = 504
    name = "ProcessingTimeout"


class MemoryLimitError(PermanentError):
    code = 507
    name = "MemoryLimitExceeded"


class RedeliveryLimitError(PermanentError):
    code = 508
    name = "RedeliveryLimit"


class NoFaceError(PermanentError):
    code = 470
    name = "NoFaceDetected"
    ctyun_code = "4105"


class FaceNotQualifiedError(PermanentError):
    """A face library only takes faces the quality gate passes: a search can then trust them."""

    code = 471
    name = "FaceNotQualified"


class LibraryNotFoundError(PermanentError):
    """A person or group the caller's account does not have (another account's is the same)."""

    code = 404
    name = "NotFound"


class LibraryLimitError(PermanentError):
    code = 467
    name = "LibraryLimitExceeded"


class DownloadTimeoutError(TransientError):
    code = 408
    name = "DownloadTimeout"


class SourceUnavailableError(TransientError):
    code = 503
    name = "SourceUnavailable"


class SyncTimeoutError(FacepipeError):
    code = 581
    name = "SyncTimeout"


class RequestError(FacepipeError):
    """The HTTP service refuses the request itself; no job is created."""

    code = 400
    http_status = 400


class MalformedRequestError(RequestError):
    name = "MalformedRequest"
    ctyun_code = "4102"


class UnknownActionError(MalformedRequestError):
    """An RPC `Action` (or version) that facepipe does not answer."""

    acs_code = "InvalidAction.NotFound"


class UnauthorizedError(RequestError):
    code = 401
    http_status = 401
    name = "Unauthorized"
    acs_code = "MissingSignature"


class UnknownKeyError(UnauthorizedError):
    acs_code = "InvalidAccessKeyId.NotFound"


class SignatureMismatchError(UnauthorizedError):
    acs_code = "SignatureDoesNotMatch"


class StaleRequestError(UnauthorizedError):
    acs_code = "InvalidTimeStamp.Expired"


class ReplayedRequestError(UnauthorizedError):
    acs_code = "SignatureNonceUsed"


class ContentDigestMismatchError(UnauthorizedError):
    acs_code = "ContentMD5Mismatch"


class BucketNotAllowedError(RequestError):
    code = 403
    http_status = 403
    name = "BucketNotAllowed"
    ctyun_code = "4101"


class HeadersTooLargeError(RequestError):
    code = 431
    http_status = 431
    name = "HeadersTooLarge"


class ServiceUnavailableError(RequestError):
    """A backing service (broker, store) did not answer; the request may be sent again."""

    code = 503
    http_status = 503
    name = "ServiceUnavailable"
    ctyun_code = "5000"


class ThrottledError(RequestError):
    code = 429
    http_status = 429
    name = "Throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTooLargeError(RequestError):
    code = 464
    http_status = 413
    name = "RequestTooLarge"
    ctyun_code = "4103"


class UrlTooLongError(RequestError):
    code = 465
    name = "UrlTooLong"
    ctyun_code = "4101"


class CompareImageTooLargeError(RequestError):
    code = 466
    http_status = 413
    name = "CompareImageTooLarge"
    ctyun_code = "4103"


class CtyunImageTooLargeError(RequestError):
    code = 468
    http_status = 413
    name = "CtyunImageTooLarge"
    ctyun_code = "4103"


def error_named(name: str) -> type[FacepipeError]:
    """The error class reported as `name` (`InternalError` when unknown), e.g. to restore
    a stored error."""
    pending: list[type[FacepipeError]] = [FacepipeError]
    while pending:
        cls = pending.pop()
        if cls.name == name:
            return cls
        pending.extend(cls.__subclasses__())
    return InternalError


def ctyun_code(name: str) -> str:
    """The ctyun dialect's code for the error called `name` (5000 when unknown)."""
    return error_named(name).ctyun_code
