#!/usr/bin/env bash
# Give the lab sshd on 127.0.0.1:2222 a freshly generated host key and restart it (for "host key changed" tests);
# updates lab.json and the lab known_hosts. --restore puts the original key back.
# Running sessions survive the restart; new connections see the new key.
set -euo pipefail

# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=rekey
case ${1:-} in
  "") ;;
  --restore) mode=restore ;;
  -h | --help) sed -n '2,4p' "$0"; exit 0 ;;
  *) die "unknown argument: $1 (usage: rekey-sshd.sh [--restore])" ;;
esac
[[ $(id -u) -eq 0 ]] || die "rekey-sshd.sh must run as root"
[[ -f $SSHD_HOSTKEY && -f $SSHD_CONF ]] || die "no lab sshd at $LAB: run scripts/lab/up.sh first"
lab_lock

if [[ $mode == rekey ]]; then
  if [[ ! -f $SSHD_HOSTKEY_ORIG ]]; then
    cp -p "$SSHD_HOSTKEY" "$SSHD_HOSTKEY_ORIG"
    cp -p "$SSHD_HOSTKEY.pub" "$SSHD_HOSTKEY_ORIG.pub"
  fi
  tmp=$(mktemp -d "$SSHDIR/rekey.XXXXXX")
  ssh-keygen -q -t ed25519 -N '' -C "copper-lab sshd $SSH_PORT host key (rekeyed $(date -u +%FT%TZ))" -f "$tmp/key"
  chmod 600 "$tmp/key"
  chmod 644 "$tmp/key.pub"
  mv -f "$tmp/key" "$SSHD_HOSTKEY"
  mv -f "$tmp/key.pub" "$SSHD_HOSTKEY.pub"
  rmdir "$tmp"
else
  if [[ -f $SSHD_HOSTKEY_ORIG ]]; then
    mv -f "$SSHD_HOSTKEY_ORIG" "$SSHD_HOSTKEY"
    mv -f "$SSHD_HOSTKEY_ORIG.pub" "$SSHD_HOSTKEY.pub"
  else
    log "host key is already the original one"
    if pid_from_file "$SSHD_PID" sshd >/dev/null; then
      write_lab_json
      fingerprint "$SSHD_HOSTKEY.pub"
      exit 0
    fi
  fi
fi

stop_pidfile "sshd" "$SSHD_PID" sshd 10
start_sshd "sshd" "$SSHD_CONF" "$SSHD_PID" "$SSHD_LOG" "$SSH_PORT"

want=$(fingerprint "$SSHD_HOSTKEY.pub")
got=$(ssh-keyscan -T 5 -t ed25519 -p "$SSH_PORT" "$LAB_HOST" 2>/dev/null | ssh-keygen -lf - | awk '{print $2}')
[[ $got == "$want" ]] || die "sshd on :$SSH_PORT presents $got, expected $want. Log: $SSHD_LOG"
write_lab_json
log "sshd :$SSH_PORT host key is now $want ($([[ -f $SSHD_HOSTKEY_ORIG ]] && echo rekeyed || echo original))"
echo "$want"
