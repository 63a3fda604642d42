#!/bin/sh
# Registers the namespace the worker and the CLI use, and the flows' search
# attributes in it, once the server answers. Every call is retried until the
# server takes it; what already exists is left as it is, so a re-run succeeds.
set -eu

namespace=${NAMESPACE:-default}
retention=${NAMESPACE_RETENTION:-72h}
address=${TEMPORAL_ADDRESS:-temporal:7233}
host=${address%:*}
port=${address##*:}

# Prefer the IPv4 address of the server: the service name can also resolve to
# an IPv6 address that the server does not listen on.
ipv4=$(getent ahosts "$host" | awk '$1 ~ /^[0-9.]+$/ { print $1; exit }')
if [ -n "$ipv4" ]; then
  address="$ipv4:$port"
fi

# Retries a command until it succeeds: the server's port opens (and its
# healthcheck passes) before its frontend answers every call.
retry() {
  attempt=0
  until "$@"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 60 ]; then
      echo "Gave up after $attempt attempts: $*" >&2
      exit 1
    fi
    sleep 2
  done
}

echo "Waiting for the Temporal server at $address"
retry temporal operator cluster health --address "$address"

# Each step checks and then creates what is missing, and is retried as a whole: a create that
# succeeded on the server but timed out here is found by the next check instead of failing again.
ensure_namespace() {
  temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1 ||
    temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address"
}

# The search attributes the flows keep current (list --waiting, the inbox, the Web UI's filters).
ensure_search_attribute() {
  listed=$(temporal operator search-attribute list --namespace "$namespace" --address "$address") || return 1
  if printf '%s\n' "$listed" | grep -Eq "^[[:space:]]*$1[[:space:]]+$2([[:space:]]|$)"; then
    return 0
  fi
  if printf '%s\n' "$listed" | grep -Eq "^[[:space:]]*$1[[:space:]]"; then
    echo "Search attribute $1 exists with another type than $2; remove it or rename it" >&2
    exit 1
  fi
  temporal operator search-attribute create --namespace "$namespace" --name "$1" --type "$2" --address "$address"
}

retry ensure_namespace
echo "Namespace '$namespace' is ready"
for attribute in PocketFlowNode:Keyword PocketFlowWaiting:Bool PocketFlowForkOf:Keyword; do
  retry ensure_search_attribute "${attribute%:*}" "${attribute#*:}"
  echo "Search attribute ${attribute%:*} (${attribute#*:}) is ready"
done
