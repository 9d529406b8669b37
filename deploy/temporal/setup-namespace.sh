#!/bin/sh
# Makes sure the namespace exists and has the search attributes the API filters jobs by:
# AccountId and JobStatus (both Keyword). Idempotent; runs after every start of temporal.
set -eu
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_RETENTION:-30d}
HOST=${TEMPORAL_ADDRESS%:*}
PORT=${TEMPORAL_ADDRESS##*:}
# The CLI's resolver can prefer an unreachable IPv6 address; dial the IPv4 one.
IP=$(getent ahostsv4 "$HOST" | awk 'NR == 1 { print $1 }')
ADDRESS="${IP:-$HOST}:$PORT"

retry() {
    attempt=1
    until "$@"; do
        if [ "$attempt" -ge 30 ]; then
            echo "giving up after $attempt attempts: $*" >&2
            return 1
        fi
        attempt=$((attempt + 1))
        sleep 2
    done
}

retry temporal operator cluster health --address "$ADDRESS"
if ! temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
    retry temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" \
        --address "$ADDRESS"
fi

add_keyword() {
    # A namespace just created takes a few seconds to reach every service: retry.
    retry sh -c "temporal operator search-attribute list --namespace '$NAMESPACE' \
        --address '$ADDRESS' | grep -qw '$1' || temporal operator search-attribute create \
        --namespace '$NAMESPACE' --address '$ADDRESS' --name '$1' --type Keyword"
}
add_keyword AccountId
add_keyword JobStatus
echo "namespace $NAMESPACE is ready (AccountId, JobStatus)"
