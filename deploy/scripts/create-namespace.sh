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

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "Namespace '$namespace' already exists"
else
  retry temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address"
  echo "Namespace '$namespace' created"
fi
# Wait until the namespace answers before adding to it.
retry temporal operator namespace describe --namespace "$namespace" --address "$address"

# The search attributes the flows keep current (list --waiting, the inbox, the Web UI's filters).
# Each is added only when missing, so that a re-run succeeds.
for attribute in PocketFlowNode:Keyword PocketFlowWaiting:Bool; do
  name=${attribute%:*}
  type=${attribute#*:}
  if temporal operator search-attribute list --namespace "$namespace" --address "$address" | grep -qw "$name"; then
    echo "Search attribute $name already exists"
  else
    retry temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type" --address "$address"
    echo "Search attribute $name ($type) created"
  fi
done
