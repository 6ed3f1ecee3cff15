"""Runtime settings, read from `FACEPIPE_*` environment variables at the entry points."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ImageLimits(BaseSettings):
    """The documented image requirements (CONTRACT §1); lower them, never raise them."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_IMAGE_", frozen=True)

    max_bytes: int = 20 * 1024 * 1024
    max_side: int = 30_000
    max_pixels: int = 250_000_000
    max_gif_pixels: int = 4_194_304


class EngineSettings(BaseSettings):
    """How the face engine trades speed against small-face recall."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_ENGINE_", frozen=True)

    # The first detection pass runs on a copy whose longer side is at most this.
    detect_max_side: int = Field(default=640, ge=160)
    # The second pass (only when the first finds nothing) upsamples a copy of at most this.
    retry_max_side: int = Field(default=1280, ge=160)
    # dlib HOG score; 0 is dlib's own default decision boundary.
    min_detection_score: float = 0.0


class Settings(BaseSettings):
    """Everything configurable, built once by the CLI or a worker and passed down."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_", frozen=True)

    limits: ImageLimits = Field(default_factory=ImageLimits)
    engine: EngineSettings = Field(default_factory=EngineSettings)
