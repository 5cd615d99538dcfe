#!/bin/bash
# Usage: scripts/worker_rss.sh model|rules N  (from the repository root, after cargo build --release) — peak RSS and drain time of `wirefeed run` on N seed releases.
MODE=$1; N=$2; S=rss$$$MODE
export WIREFEED__INPUT__QUEUE=$S.raw WIREFEED__OUTPUT__EXCHANGE=$S.events WIREFEED__OUTPUT__QUEUE=$S.all \
  WIREFEED__REJECTED__EXCHANGE=$S.rej WIREFEED__REJECTED__QUEUE=$S.rej WIREFEED__LOG__STATS_INTERVAL_SECS=0 \
  WIREFEED__PIPELINE__NER=$MODE WIREFEED__AMQP__CONNECTION_NAME=$S
B=${WIREFEED_BIN:-target/release/wirefeed}
$B topology >/dev/null 2>&1
$B publish --repeat $N samples/sayasat-2025-08-22.txt 2>&1 | tail -1
$B run 2>/tmp/rss-$MODE.log & PID=$!
T0=$(date +%s.%N)
while true; do
  n=$(rabbitmqctl -q list_queues name messages_ready messages_unacknowledged 2>/dev/null | awk -v q=$S.all '$1==q{print $2}')
  [ "$n" = "$N" ] && break
  sleep 0.5
done
T1=$(date +%s.%N)
echo "$MODE: $N events in $(echo "$T1 - $T0" | bc) s; peak RSS $(grep VmHWM /proc/$PID/status)"
kill -TERM $PID; wait $PID; echo "exit $?"
for q in raw all rej; do rabbitmqctl -q delete_queue $S.$q >/dev/null 2>&1; done
rabbitmqadmin delete exchange name=$S.events >/dev/null 2>&1; rabbitmqadmin delete exchange name=$S.rej >/dev/null 2>&1
