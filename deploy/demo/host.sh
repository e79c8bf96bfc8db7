#!/bin/sh
# One demo host of the compose demo (services demo-host-1..3, profile `demo`): a gitlab-runner simulator and a
# paddock-agent beside it, as on a real runner host. The agent enrolls once with the token demo-setup leaves in
# TOKEN_FILE (its credential stays in this host's volume), then keeps config.toml in line with Paddock through the
# load balancer; the simulator reads that config.toml, takes jobs from the simulated GitLab and serves
# gitlab-runner's metrics, which the agent scrapes.
set -eu

: "${PADDOCK_URL:=http://lb:8080}"
: "${TOKEN_FILE:=/var/lib/paddock/demo-enrollment-token}"
# Where the image keeps the monorepo's built files.
: "${APP_DIR:=/app}"
CONFIG="$HOME/gitlab-runner/config.toml"
STATE="$HOME/paddock-agent"
AGENT="node $APP_DIR/apps/agent/dist/paddock-agent.js"
RUNNER_SIM="node $APP_DIR/packages/gitlab-sim/dist/runner-sim-cli.js"

# gitlab-runner derives system_id from the host's machine-id, which containers of one image may share: each demo
# host gets a random id instead (`r_` and 12 characters, as gitlab-runner makes one without a machine-id), in the
# file where gitlab-runner and the agent both read it.
SYSTEM_ID_FILE="$(dirname "$CONFIG")/.runner_system_id"
if [ ! -s "$SYSTEM_ID_FILE" ]; then
  mkdir -p "$(dirname "$CONFIG")"
  chmod 700 "$(dirname "$CONFIG")"
  (umask 077 && node -e "
    const { randomInt } = require('node:crypto');
    const abc = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    process.stdout.write('r_' + Array.from({ length: 12 }, () => abc[randomInt(abc.length)]).join(''));
  " >"$SYSTEM_ID_FILE")
fi

if [ ! -f "$STATE/credential.json" ]; then
  echo "demo host: waiting for the enrollment token in $TOKEN_FILE"
  while [ ! -s "$TOKEN_FILE" ]; do sleep 2; done
  # The token goes by environment, not argument: it stays out of the process list.
  PADDOCK_AGENT_ENROLL_TOKEN="$(cat "$TOKEN_FILE")" \
    $AGENT enroll --server "$PADDOCK_URL" --state-dir "$STATE" --config "$CONFIG"
fi

$RUNNER_SIM --config "$CONFIG" --gitlab-from-config --listen-address 127.0.0.1:9252 \
  --time-scale 0.25 --trace-interval 3 &
sim=$!
$AGENT run --config "$CONFIG" --state-dir "$STATE" --runner-metrics http://127.0.0.1:9252/metrics &
agent=$!

# `docker compose stop` signals this shell only: pass it on to both. The host lives as long as its agent (a
# simulator that died shows in Paddock as gitlab-runner down, as it would on a real host).
trap 'kill -TERM "$agent" "$sim" 2>/dev/null || true' TERM INT
status=0
wait "$agent" || status=$?
# A trapped signal interrupts the first wait: wait for the agent's own exit.
if kill -0 "$agent" 2>/dev/null; then
  status=0
  wait "$agent" || status=$?
fi
kill -TERM "$sim" 2>/dev/null || true
wait "$sim" || true
exit "$status"
