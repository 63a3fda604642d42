#!/bin/sh
# Registers the namespace the worker and the CLI use, once the server answers
# health checks. Does nothing if the namespace already exists.
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

echo "Waiting for the Temporal server at $address"
attempt=0
until temporal operator cluster health --address "$address"; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "The Temporal server did not become healthy in time" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "Namespace '$namespace' already exists"
  exit 0
fi
temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address"
echo "Namespace '$namespace' created"
