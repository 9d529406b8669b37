#!/bin/sh
# SeaweedFS (master, volume, filer, S3 gateway in one process) with one S3 identity taken from
# the environment, so no credential is ever written into the repository.
set -eu
: "${S3_ACCESS_KEY_ID:?S3_ACCESS_KEY_ID must be set}"
: "${S3_SECRET_ACCESS_KEY:?S3_SECRET_ACCESS_KEY must be set}"
umask 077
cat > /tmp/s3-identities.json <<JSON
{"identities": [{"name": "creative-saas",
  "credentials": [{"accessKey": "$S3_ACCESS_KEY_ID", "secretKey": "$S3_SECRET_ACCESS_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
exec weed server -dir=/data -ip.bind=0.0.0.0 -s3 -s3.port=8333 \
    -s3.config=/tmp/s3-identities.json -s3.autoCreateBucket=false \
    -master.telemetry=false -volume.max=0
