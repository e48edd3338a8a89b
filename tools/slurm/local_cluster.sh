#!/bin/bash
# A one-node Slurm cluster on loopback, started by hand (no systemd), for
# tests and for trying `rwn sweep --backend=slurm` on one machine.
#
#   tools/slurm/local_cluster.sh start DIR   # prints: export SLURM_CONF=DIR/slurm.conf
#   tools/slurm/local_cluster.sh stop DIR    # stops the daemons it started
#
# Installs Debian's slurm-wlm and munge if they are missing (as root). All
# state, sockets, logs and pid files live in DIR (keep its path short: a Unix
# socket path has at most 107 bytes). Exit codes: 0 done, 1 a daemon failed
# (its log is named), 3 cannot run here (not root, or Slurm missing and not
# installable), with the reason on stderr.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
command="$1"
dir="$(mkdir -p "$2" && cd "$2" && pwd)" || { echo "cannot create $2" >&2; exit 1; }

cannot() { echo "local_cluster: cannot run here: $*" >&2; exit 3; }
failed() { echo "local_cluster: $*" >&2; stop; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if port_free "$port"; then echo "$port"; return 0; fi
  done
  return 1
}

stop() {
  local name pid
  for name in slurmd slurmctld munge/munged; do
    [[ -f "$dir/$name.pid" ]] || continue
    pid="$(cat "$dir/$name.pid")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

start() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    [[ $EUID -eq 0 ]] || cannot "slurm-wlm and munge are not installed and this is not root"
    echo "local_cluster: installing slurm-wlm and munge" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends slurm-wlm munge) >/dev/null 2>&1 ||
      cannot "apt-get install slurm-wlm munge failed"
  fi
  [[ $EUID -eq 0 ]] || cannot "slurmd must run as root to start jobs as their user"
  stop  # leftovers of an earlier start in the same folder
  mkdir -p "$dir/munge" "$dir/spool/ctld" "$dir/spool/d" "$dir/log"
  chmod 700 "$dir/munge"
  head -c 1024 /dev/urandom > "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/seed" || failed "munged did not start (see $dir/log/munged.log)"

  local ctld_port slurmd_port memory
  ctld_port="$(free_port)" && slurmd_port="$(free_port)" || failed "no free TCP port"
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  sed -e "s|@HOST@|$(hostname)|g" -e "s|@DIR@|$dir|g" -e "s|@USER@|$(id -un)|g" \
      -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
      -e "s|@CPUS@|$(nproc)|g" -e "s|@MEM@|$memory|g" \
      "$here/slurm.conf.in" > "$dir/slurm.conf"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" || failed "slurmctld did not start (see $dir/log/slurmctld.log)"
  slurmd -f "$SLURM_CONF" || failed "slurmd did not start (see $dir/log/slurmd.log)"
  for _ in $(seq 120); do
    if [[ "$(sinfo -h -o %T 2>/dev/null)" == idle* ]]; then
      echo "export SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.5
  done
  failed "the node did not become idle within 60 s (see $dir/log/)"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
