#!/usr/bin/env bash
# Stop everything scripts/lab/up.sh started, by PID (Postfix via `postfix stop`). Idempotent.
# --purge also deletes the lab state dir ($COPPER_LAB_DIR, default <repo>/.lab): keys, LDAP data, Docker data, ...
set -euo pipefail

# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=0
for a in "$@"; do
  case $a in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,3p' "$0"; exit 0 ;;
    *) die "unknown argument: $a (usage: down.sh [--purge])" ;;
  esac
done
[[ $(id -u) -eq 0 ]] || die "down.sh must run as root"
if [[ ! -d $LAB ]]; then
  log "no lab state at $LAB: nothing to stop"
  exit 0
fi
lab_lock

# copper-lab-postfix bind-mounts the system's Postfix queue and config: remove it (up.sh recreates it in ~1.5 s).
if pid_from_file "$DOCKER_PID" dockerd >/dev/null &&
  docker -H "unix://$DOCKER_SOCK" container inspect "$DOCKER_POSTFIX_CONTAINER" >/dev/null 2>&1; then
  docker -H "unix://$DOCKER_SOCK" rm -f "$DOCKER_POSTFIX_CONTAINER" >/dev/null 2>&1 || true
  log "docker: removed container $DOCKER_POSTFIX_CONTAINER"
fi
# dockerd stops its other containers (stop-timeout 2 s); unless-stopped containers come back with the next up.sh.
stop_pidfile "dockerd" "$DOCKER_PID" dockerd 40
# The stack engine (provisioning tests): its containers stop with it; unless-stopped ones come back with up.sh.
stop_pidfile "stack dockerd" "$STACK_DOCKER_PID" dockerd 40
# shellcheck source=scripts/lab/tls.sh
source "$LAB_SCRIPT_DIR/tls.sh"
stop_lab_nginx
stop_pidfile "rspamd" "$RSPAMD_PID" rspamd 20
stop_pidfile "named" "$NAMED_PID" named 15
stop_pidfile "dovecot" "$DOVECOT_PID" dovecot 15
stop_pidfile "slapd" "$SLAPD_PID" slapd 20
# Postfix is system-wide: only stop it when it runs the configuration up.sh wrote for this lab dir.
if ! command -v postfix >/dev/null || [[ $(postconf -h maillog_file 2>/dev/null) != "$POSTFIX_LOG" ]]; then
  log "postfix: not configured by this lab ($LAB), leaving it alone"
elif postfix status >/dev/null 2>&1; then
  log "postfix: stopping"
  postfix stop >/dev/null 2>&1 || true
  for ((i = 0; i < 100; i++)); do postfix status >/dev/null 2>&1 || break; sleep 0.1; done
else
  log "postfix: not running"
fi
stop_pidfile "jump sshd" "$JUMP_PID" sshd 10
stop_pidfile "sshd" "$SSHD_PID" sshd 10

if ((purge)); then
  # Anything still mounted below the lab dir (e.g. a container rootfs) must go before rm -rf. Each dockerd leaves its
  # network namespace mount (EXEC_ROOT/netns/default) behind when it was killed rather than stopped.
  for m in "$DOCKERDIR/exec/netns/default" "$STACK_DOCKERDIR/exec/netns/default"; do
    mountpoint -q "$m" 2>/dev/null && umount "$m" 2>/dev/null || true
  done
  while read -r m; do
    [[ -n $m ]] && umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$LAB/" | sort -r || true)
  rm -rf --one-file-system "$LAB"
  log "purged $LAB (users, /etc/sudoers.d/copper-lab and /etc/postfix settings are left in place)"
fi
log "lab is down"
