from pipeline import errors

IMAGE_LIMIT_ERRORS = [
    errors.EmptyImageError,
    errors.ImageTooLargeError,
    errors.UnsupportedImageFormatError,
    errors.ImageDecodeError,
    errors.ImageDimensionsError,
    errors.ImagePixelsError,
    errors.GifPixelsError,
]


def test_every_image_limit_has_its_own_code_and_name() -> None:
    codes = [cls.code for cls in IMAGE_LIMIT_ERRORS]
    names = [cls.name for cls in IMAGE_LIMIT_ERRORS]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_transient_errors_are_retryable_and_permanent_ones_are_not() -> None:
    assert errors.DownloadTimeoutError.retryable
    assert errors.SourceUnavailableError.retryable
    assert not errors.NoFaceError.retryable
    assert not errors.ImageDecodeError.retryable


def test_error_renders_code_name_and_message() -> None:
    exc = errors.ImageTooLargeError("image is 21.0 MB; the limit is 20 MB")
    assert exc.to_dict() == {
        "code": 413,
        "error": "ImageTooLarge",
        "msg": "image is 21.0 MB; the limit is 20 MB",
    }
