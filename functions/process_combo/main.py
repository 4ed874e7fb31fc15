"""Cloud Function `process_combo`: one Pub/Sub message = one combination.

Raising (any exception) answers 5xx, so Pub/Sub redelivers the message later.
"""

import functions_framework
from cloudevents.http import CloudEvent

from vidcompare.worker import handle_event


@functions_framework.cloud_event
def process_combo(cloud_event: CloudEvent) -> None:
    handle_event(cloud_event.data)
