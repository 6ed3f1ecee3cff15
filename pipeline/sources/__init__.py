"""Where image bytes come from. This stage reads local files and inline base64; bucket and
HTTP fetchers (s3://, oss://, http(s)://) come with the pipeline's sources."""

from pipeline.sources.local import read_image

__all__ = ["read_image"]
