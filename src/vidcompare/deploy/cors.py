"""The videos bucket's CORS: which web pages may send a video's bytes straight to it.

A browser uploads to the resumable-upload session the API opened for it
(``PUT upload_url`` with ``Content-Range``), then reads the session's answer: ``Range``
says how much arrived, ``Location`` and ``X-GUploader-UploadID`` name the session. Cloud
Storage answers those requests with CORS headers only for an origin the bucket's CORS
configuration lists. The web page is served by the gateway, whose host is only known
once the gateway exists, so the script writes this document after creating it; the
deployer may name more pages (``--web-origin``).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from vidcompare.deploy.resource import Lookup, Resource, gcloud
from vidcompare.deploy.target import Target

METHODS = ("PUT", "POST", "GET", "HEAD", "OPTIONS")
# What the page's script may read from an answer of Cloud Storage.
RESPONSE_HEADERS = ("Content-Type", "Content-Range", "Range", "Location", "X-GUploader-UploadID")
# How long a browser may reuse a preflight: one an hour, not one per 8 MiB chunk.
MAX_AGE_S = 3600


def cors_policy(origins: list[str]) -> list[dict[str, Any]]:
    """The document ``gcloud storage buckets update --cors-file`` reads."""
    return [
        {
            "origin": origins,
            "method": list(METHODS),
            "responseHeader": list(RESPONSE_HEADERS),
            "maxAgeSeconds": MAX_AGE_S,
        }
    ]


def bucket_cors(target: Target, bucket: Resource, gateway_host: Lookup, file: Path) -> Resource:
    """Write the CORS document naming the gateway's page (and the deployer's), then set it.

    ``file`` is absolute; the document is written by the script (a here-document, so
    ``$GATEWAY_HOST`` expands in it) because the gateway's host is only known then.
    """
    url = f"gs://{target.videos_bucket}"
    gateway_origin = f"https://${{{gateway_host.variable}}}"
    document = json.dumps(cors_policy([gateway_origin, *target.web_origins]), indent=2)
    write = f"cat > {shlex.quote(str(file))} <<JSON\n{document}\nJSON"
    apply = gcloud("storage buckets update", url, f"--cors-file={file}", target.project_flag)
    return Resource(
        what=f"CORS of {url}: uploads from the gateway's web page"
        + "".join(f", {origin}" for origin in target.web_origins),
        create=(write, apply),
        part_of=bucket,
        reads=(gateway_host,),
    )
