#!/usr/bin/python3
"""Create the testbed's buckets on the local S3 (idempotent).

usage: s3-buckets.py <plain-bucket> <locked-bucket>
env:   S3_ENDPOINT S3_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

The locked bucket gets versioning + Object Lock with a default retention of GOVERNANCE 1 day:
governance still refuses a plain delete of a locked version (what the tests check), while the
bucket owner can clean up with the bypass header. COMPLIANCE would make test data undeletable;
tests that need it set a per-object retention themselves.
"""
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOCK_MODE = os.environ.get("TESTBED_LOCK_MODE", "GOVERNANCE")
LOCK_DAYS = int(os.environ.get("TESTBED_LOCK_DAYS", "1"))


def main(plain: str, locked: str) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT"],
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 10}),
    )
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if plain not in existing:
        s3.create_bucket(Bucket=plain)
    if locked not in existing:
        s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=True)
    s3.put_bucket_versioning(Bucket=locked, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(
        Bucket=locked,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": LOCK_MODE, "Days": LOCK_DAYS}},
        },
    )
    conf = s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    rule = conf["Rule"]["DefaultRetention"]
    print(f"buckets: {plain}; {locked} (versioned, object lock {rule['Mode']} {rule['Days']}d)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2])
    except ClientError as err:
        sys.exit(f"s3-buckets: {err}")
