"""All Firestore access: every read, write, query and transaction of vidcompare.

``jobs/{job_id}``                       :mod:`.jobs`: status, plan, counters, totals
``jobs/{job_id}/comparisons/{index}``   :mod:`.combinations`: lease, attempts, results
``videos/{video_id}``                   :mod:`.videos`: where a video is and what it is
``gemini_files/{sha256}``               :mod:`.model_files`: the Files API upload cache
``uploads/{upload_id}``                 :mod:`.uploads`: resumable uploads to the bucket
``video_digests/{key}``                 :mod:`.videos`: which video holds an owner's bytes
``quota_pace/{model_id}``                :mod:`.quotas`: each model's shared pace (limiter)
``playback_grants/{hash}``              :mod:`.playback`: who may stream a video, until when
``jobs/{job_id}/scores/{chunk}``        :mod:`.scores`: compact score rows for the leaderboard

Documents are read and written as the typed models of :mod:`vidcompare.documents`.
Callers use this package's names (``store.get_job``); the modules are its rooms.
"""

from vidcompare.store.combinations import (
    Claim,
    ClaimAction,
    claim_combination,
    combination_attempts,
    combination_states,
    commit_combination,
    list_comparisons,
    mark_successor_published,
    record_crash,
    release_claim,
    release_dead_local_leases,
    renew_lease,
    running_combinations,
)
from vidcompare.store.jobs import (
    cancel_job,
    create_job,
    delete_job,
    fail_job,
    finish_if_complete,
    get_job,
    job_id_for_prefix,
    list_jobs,
    recent_completed_jobs,
    recount,
    stalled_jobs,
    touch_job,
)
from vidcompare.store.playback import create_grant, granted_video
from vidcompare.store.quotas import Pace, update_pace
from vidcompare.store.refs import (
    COMPARISONS,
    GEMINI_FILES,
    JOBS,
    VIDEOS,
    combo_ref,
    expiry,
    job_ref,
    now,
    upload_ref,
    video_ref,
)
from vidcompare.store.scores import leaderboard_jobs, read_rows
from vidcompare.store.uploads import close_upload, create_upload, get_upload
from vidcompare.store.videos import (
    active_jobs_using,
    create_video,
    delete_video,
    find_video,
    get_video,
    list_videos,
    rename_video,
    set_gemini_file,
    video_durations,
    video_filenames,
)

__all__ = [
    "Pace",
    "update_pace",
    "create_grant",
    "granted_video",
    "COMPARISONS",
    "GEMINI_FILES",
    "JOBS",
    "VIDEOS",
    "Claim",
    "ClaimAction",
    "active_jobs_using",
    "cancel_job",
    "close_upload",
    "claim_combination",
    "combination_attempts",
    "combination_states",
    "combo_ref",
    "commit_combination",
    "create_job",
    "create_upload",
    "create_video",
    "delete_job",
    "delete_video",
    "expiry",
    "fail_job",
    "find_video",
    "finish_if_complete",
    "get_job",
    "job_id_for_prefix",
    "get_upload",
    "get_video",
    "job_ref",
    "leaderboard_jobs",
    "list_comparisons",
    "list_jobs",
    "list_videos",
    "mark_successor_published",
    "now",
    "read_rows",
    "recent_completed_jobs",
    "record_crash",
    "recount",
    "release_claim",
    "release_dead_local_leases",
    "rename_video",
    "renew_lease",
    "running_combinations",
    "set_gemini_file",
    "stalled_jobs",
    "touch_job",
    "upload_ref",
    "video_durations",
    "video_filenames",
    "video_ref",
]
