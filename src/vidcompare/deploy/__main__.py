"""``python -m vidcompare.deploy {deploy,teardown} --project P --region R [--dry-run]``."""

from __future__ import annotations

import argparse
import shutil
import sys

from vidcompare.deploy import Target, prepare_deploy, run_script, teardown_script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vidcompare.deploy", description=__doc__)
    parser.add_argument("action", choices=["deploy", "teardown"])
    parser.add_argument("--project", required=True, help="Google Cloud project id")
    parser.add_argument("--region", required=True, help="e.g. europe-west1")
    parser.add_argument("--name", default="vidcompare", help="prefix of every resource name")
    parser.add_argument("--bucket", help="videos bucket (default: PROJECT-NAME-videos)")
    parser.add_argument("--retention-days", type=int, default=90)
    parser.add_argument("--dry-run", action="store_true", help="print the commands; run none")
    parser.add_argument(
        "--delete-data", action="store_true", help="teardown: also the bucket and Firestore"
    )
    args = parser.parse_args(argv)
    target = Target(
        project=args.project,
        region=args.region,
        name=args.name,
        bucket=args.bucket,
        retention_days=args.retention_days,
    )
    if args.action == "deploy":
        script = prepare_deploy(target)
    else:
        script = teardown_script(target, delete_data=args.delete_data)
    if args.dry_run:
        sys.stdout.write(script)
        return 0
    if shutil.which("gcloud") is None:
        print("gcloud is not installed: https://cloud.google.com/sdk/docs/install", file=sys.stderr)
        return 2
    return run_script(script)


if __name__ == "__main__":
    raise SystemExit(main())
