"""Which containers are videos we take, their media types, and safe object names."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# FFmpeg's demuxer -> the video's media type; a demuxer serving several formats picks
# by the file's extension.
_CONTAINER_TYPES: dict[str, dict[str, str]] = {
    "mov,mp4,m4a,3gp,3g2,mj2": {".mov": "video/quicktime", ".3gp": "video/3gpp", "": "video/mp4"},
    "matroska,webm": {".mkv": "video/x-matroska", "": "video/webm"},
    "avi": {"": "video/x-msvideo"},
    "mpegts": {"": "video/mp2t"},
    "mpeg": {"": "video/mpeg"},
    "flv": {"": "video/x-flv"},
    "asf": {"": "video/x-ms-wmv"},
}


ACCEPTED_FORMATS = "MP4, MOV, 3GP, WebM, MKV, AVI, MPEG, MPEG-TS, FLV or WMV"


def probed_content_type(container: str, filename: str) -> str:
    """The media type of what the probe found. Raises ``ValueError`` for a container that
    Gemini does not take as video (a GIF, an Ogg, a raw H.264 stream)."""
    by_extension = _CONTAINER_TYPES.get(container)
    if by_extension is None:
        raise ValueError(f"{container} is not a video format we accept: send {ACCEPTED_FORMATS}")
    suffix = PurePosixPath(filename.lower()).suffix
    return by_extension.get(suffix, by_extension[""])


def safe_name(filename: str) -> str:
    """The last part of ``filename``, in an alphabet safe for object names and URLs."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return name[:100] or "video"
