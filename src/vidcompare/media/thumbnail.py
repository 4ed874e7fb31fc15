"""A video's thumbnail: one frame from a little way in, small, as a JPEG, with PyAV.

The source is any seekable file object (a bucket object read in ranged blocks): the
container is opened, one seek lands near the frame, and only the frames from the
keyframe before it up to it are decoded, whatever the video's length.
"""

from __future__ import annotations

from fractions import Fraction
from typing import BinaryIO

import av

from vidcompare.media.analysis import container_duration, video_stream

THUMBNAIL_WIDTH = 160
# A frame this far into the video: past a fade-in or a title card, still the opening.
THUMBNAIL_AT = 0.10
# Encoder quality (FFmpeg's qscale, 2 best … 31 worst): sharp enough at 160 px, ~5 KB.
_JPEG_QSCALE = 4
# The most frames decoded after the seek before the last one seen is taken: a stream
# whose timestamps never reach the target still gives a picture.
_MAX_DECODED_FRAMES = 600


def thumbnail_jpeg(
    source: BinaryIO, *, width: int = THUMBNAIL_WIDTH, at: float = THUMBNAIL_AT
) -> bytes:
    """The JPEG of the frame at ``at`` (a fraction of the duration) of ``source``,
    ``width`` pixels wide (the height keeps the aspect ratio). Raises ``ValueError``
    when ``source`` is not a video whose frames can be decoded."""
    try:
        with av.open(source, mode="r") as container:
            stream = video_stream(container)
            frame = _frame_at(container, stream, at)
            pixel_aspect = stream.codec_context.sample_aspect_ratio
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot decode a frame ({exc})") from None
    if frame is None:
        raise ValueError("the video has no frame to show")
    return _encode_jpeg(frame, width, pixel_aspect)


def _frame_at(
    container: av.container.InputContainer, stream: av.VideoStream, at: float
) -> av.VideoFrame | None:
    """The first frame at or after ``at`` of the duration (the last one decoded if the
    stream ends first)."""
    target_s = (container_duration(container, stream) or 0.0) * at
    start_s = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    if target_s > 0 and stream.time_base is not None:
        # Back to the keyframe before the target; decoding forward from there.
        container.seek(int((start_s + target_s) / stream.time_base), stream=stream)
    found = None
    for count, frame in enumerate(container.decode(stream)):
        found = frame
        if frame.time is None or frame.time - start_s >= target_s or count >= _MAX_DECODED_FRAMES:
            break
    return found


def _encode_jpeg(frame: av.VideoFrame, width: int, pixel_aspect: Fraction | None) -> bytes:
    # The picture's shape as shown (non-square pixels stretch it).
    aspect = frame.width / frame.height * float(pixel_aspect or 1)
    height = max(2, round(width / aspect / 2) * 2)  # even: 4:2:0 chroma halves it
    small = frame.reformat(width=width, height=height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.qscale = _JPEG_QSCALE
    encoder.flags |= av.codec.context.Flags.qscale
    small.pts = 0
    packets = encoder.encode(small) + encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)
