#!/usr/bin/env bash
# Start the Copper test lab: real sshd/Postfix/slapd/Dovecot/Rspamd/dockerd on 127.0.0.1.
# Idempotent: services already running from the lab's PID files are left alone.
# State lives in $COPPER_LAB_DIR (default: <repo>/.lab); see scripts/lab/README.md.
set -euo pipefail

# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "up.sh must run as root (it creates users and starts system daemons)"
export DEBIAN_FRONTEND=noninteractive
T0=$SECONDS
lab_lock

# =============================================================================== packages
PKGS=(openssh-server openssh-client postfix slapd ldap-utils dovecot-imapd dovecot-lmtpd rspamd docker.io
  busybox-static sudo bind9 bind9-dnsutils nginx-light
  python3-dkim python3-dnspython python3-nacl
  debootstrap)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "packages: installing ${missing[*]}"
  debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string lab.copper.test
slapd slapd/no_configuration boolean true
EOF
  apt_log="$LOGS/apt.log"
  mkdir -p "$LOGS"
  if ! apt-get -o DPkg::Lock::Timeout=300 update >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2; die "apt-get update failed. Log: $apt_log"
  fi
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2; die "apt-get install failed. Log: $apt_log"
  fi
  log "packages: done ($((SECONDS - T0)) s)"
fi

# =============================================================================== layout
mkdir -p "$LAB" "$LOGS" "$RUN" "$SSHDIR" "$LDAPDIR/data" "$DOVEDIR/state" "$DOVEDIR/mail" \
  "$RSPAMD_CONFDIR/local.d" "$RSPAMD_CONFDIR/override.d" "$RSPAMD_DBDIR" "$RSPAMD_RUNDIR" "$RSPAMD_LOGDIR" \
  "$DOCKERDIR/data" "$DOCKERDIR/exec"
# Lab users must be able to traverse to the Docker socket and Dovecot's sockets; nothing here is listable by them.
chmod 711 "$LAB" "$RUN" "$SSHDIR" "$DOCKERDIR"
chmod 755 "$LOGS"
chmod 700 "$LDAPDIR" "$LDAPDIR/data"
# ...and every parent of the lab dir must be traversable too.
d=$(dirname "$LAB")
while [[ $d != / ]]; do
  if [[ $(stat -c %A "$d") != ?????????[xt] ]]; then
    log "WARNING: $d is not world-traversable: lab users cannot reach $DOCKER_SOCK"
  fi
  d=$(dirname "$d")
done

# =============================================================================== users
getent group "$DOCKER_GROUP" >/dev/null || groupadd --system "$DOCKER_GROUP"
ensure_user() { # NAME [extra useradd args]
  local name=$1
  shift
  id -u "$name" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$@" "$name"
}
unlock_for_keys() { # `useradd` leaves '!' in shadow, which sshd refuses with UsePAM no
  local hash
  hash=$(getent shadow "$1" | cut -d: -f2)
  [[ $hash == '*' ]] || usermod -p '*' "$1"
}
ensure_user "$KEY_USER"
ensure_user "$SUDO_USER_NAME"
ensure_user "$PW_USER"
id -u "$VMAIL_USER" >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$VMAIL_USER"
usermod -aG "$DOCKER_GROUP" "$KEY_USER"
usermod -aG "$DOCKER_GROUP" "$SUDO_USER_NAME"
unlock_for_keys "$KEY_USER"
unlock_for_keys "$SUDO_USER_NAME"
echo "$PW_USER:$PW_PASSWORD" | chpasswd

# sudo: passwordless, limited to the mail/docker tools
mapfile -t sudo_cmds < <(lab_sudo_cmds)
sudo_tmp=$(mktemp)
{
  echo "# Copper lab (scripts/lab/up.sh): $SUDO_USER_NAME may run these as root without a password."
  echo "Defaults:$SUDO_USER_NAME !requiretty, !lecture"
  printf '%s ALL=(root) NOPASSWD: %s\n' "$SUDO_USER_NAME" "$(IFS=,; echo "${sudo_cmds[*]}" | sed 's/,/, /g')"
  # Certificate deployment: exact arguments only (see lab_tls_sudo_cmds).
  printf '%s ALL=(root) NOPASSWD: %s\n' "$SUDO_USER_NAME" "$(lab_tls_sudo_cmds | paste -sd, | sed 's/,/, /g')"
  # DKIM rotation: exact arguments or one-file-name regexes only (see lab_dkim_sudo_cmds).
  printf '%s ALL=(root) NOPASSWD: %s\n' "$SUDO_USER_NAME" "$(lab_dkim_sudo_cmds | paste -sd, | sed 's/,/, /g')"
  # ... and for the docker-mode stack host, in the host folders its mail container mounts (lab_dkim_docker_sudo_cmds).
  printf '%s ALL=(root) NOPASSWD: %s\n' "$SUDO_USER_NAME" "$(lab_dkim_docker_sudo_cmds | paste -sd, | sed 's/,/, /g')"
} >"$sudo_tmp"
visudo -cqf "$sudo_tmp" || die "generated sudoers drop-in is invalid: $sudo_tmp"
if ! cmp -s "$sudo_tmp" /etc/sudoers.d/copper-lab; then
  install -m 440 -o root -g root "$sudo_tmp" /etc/sudoers.d/copper-lab
fi
rm -f "$sudo_tmp"

# =============================================================================== ssh keys
genkey() { # FILE COMMENT [PASSPHRASE]
  [[ -f $1 && -f $1.pub ]] && return 0
  rm -f "$1" "$1.pub"
  ssh-keygen -q -t ed25519 -N "${3:-}" -C "$2" -f "$1"
  chmod 600 "$1"
  chmod 644 "$1.pub"
}
genkey "$SSHD_HOSTKEY" "copper-lab sshd $SSH_PORT host key"
genkey "$JUMP_HOSTKEY" "copper-lab jump $JUMP_PORT host key"
genkey "$KEY_PRIV" "copperkey@copper-lab"
genkey "$ENCKEY_PRIV" "copperkey-encrypted@copper-lab" "$KEY_PASSPHRASE"
genkey "$SUDOKEY_PRIV" "coppersudo@copper-lab"
chmod 600 "$KEY_PRIV" "$ENCKEY_PRIV" "$SUDOKEY_PRIV"
if [[ -f $SSHD_HOSTKEY_ORIG ]]; then
  log "WARNING: sshd $SSH_PORT runs a rekeyed host key (rekey-sshd.sh); run 'scripts/lab/rekey-sshd.sh --restore' to put the original back"
fi

install_authorized_keys() { # USER PUBFILE...
  local user=$1 home
  shift
  home=$(getent passwd "$user" | cut -d: -f6)
  install -d -m 700 -o "$user" -g "$(id -gn "$user")" "$home/.ssh"
  cat "$@" | write_if_changed "$home/.ssh/authorized_keys" 600 || true
  chown "$user:$(id -gn "$user")" "$home/.ssh/authorized_keys"
}
install_authorized_keys "$KEY_USER" "$KEY_PRIV.pub" "$ENCKEY_PRIV.pub"
install_authorized_keys "$SUDO_USER_NAME" "$SUDOKEY_PRIV.pub"

# =============================================================================== sshd :2222 and jump :2223
sshd_changed=0
write_if_changed "$SSHD_CONF" 644 <<EOF && sshd_changed=1 || true
# Copper lab sshd (generated by scripts/lab/up.sh; edits are overwritten)
Port $SSH_PORT
ListenAddress $LAB_HOST
AddressFamily inet
HostKey $SSHD_HOSTKEY
PidFile $SSHD_PID
UsePAM no
PermitRootLogin no
AllowUsers $KEY_USER $PW_USER $SUDO_USER_NAME
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxSessions 64
MaxStartups 100:30:200
LoginGraceTime 30
LogLevel VERBOSE
SetEnv DOCKER_HOST=unix://$DOCKER_SOCK
Subsystem sftp internal-sftp

Match User $PW_USER
    PasswordAuthentication yes
EOF
jump_changed=0
write_if_changed "$JUMP_CONF" 644 <<EOF && jump_changed=1 || true
# Copper lab jump host (generated by scripts/lab/up.sh; edits are overwritten)
Port $JUMP_PORT
ListenAddress $LAB_HOST
AddressFamily inet
HostKey $JUMP_HOSTKEY
PidFile $JUMP_PID
UsePAM no
PermitRootLogin no
AllowUsers $KEY_USER
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
PermitOpen any
AllowStreamLocalForwarding no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxSessions 64
MaxStartups 100:30:200
LogLevel VERBOSE
EOF
((sshd_changed)) && pid_from_file "$SSHD_PID" sshd >/dev/null && stop_pidfile "sshd (config changed)" "$SSHD_PID" sshd
((jump_changed)) && pid_from_file "$JUMP_PID" sshd >/dev/null && stop_pidfile "jump sshd (config changed)" "$JUMP_PID" sshd
start_sshd "sshd" "$SSHD_CONF" "$SSHD_PID" "$SSHD_LOG" "$SSH_PORT"
start_sshd "jump sshd" "$JUMP_CONF" "$JUMP_PID" "$JUMP_LOG" "$JUMP_PORT"

# =============================================================================== TLS layout (/etc/copper/tls)
# shellcheck source=scripts/lab/tls.sh
source "$LAB_SCRIPT_DIR/tls.sh"
ensure_lab_tls_layout
# The stack's Rspamd DKIM folders (bind mounts need their source before the mail container starts). Created only when
# missing: the console sets the key folder's owner (Rspamd's user in the container) at its first activation.
[[ -d $STACK_DKIM_DIR ]] || install -d -m 0700 -o root -g root "$STACK_DKIM_DIR"
[[ -d $STACK_RSPAMD_CONFDIR/local.d/copper-dkim ]] || install -d -m 0755 -o root -g root "$STACK_RSPAMD_CONFDIR/local.d/copper-dkim"

# =============================================================================== Postfix (system-wide /etc/postfix)
postfix_state() { { postconf -n; postconf -M; postconf -P; } 2>/dev/null | md5sum; }
pf_before=$(postfix_state)
# Only edit what differs: rewriting main.cf/master.cf makes the next postconf call stall ~2 s.
pf_set() {
  local kv
  for kv in "$@"; do
    [[ $(postconf -h "${kv%%=*}" 2>/dev/null) == "${kv#*=}" ]] || postconf -e "$kv"
  done
}
pf_set \
  "myhostname=lab.copper.test" \
  "inet_interfaces=loopback-only" \
  "inet_protocols=ipv4" \
  "default_transport=smtp" \
  "relay_transport=smtp" \
  "relayhost=[127.0.0.1]:9" \
  "transport_maps=inline:{ hostile.example=smtp:[127.0.0.1]:2526, $DKIM_SINK_DOMAIN=smtp:[127.0.0.1]:$DKIM_SINK_PORT }" \
  "queue_run_delay=3600s" \
  "minimal_backoff_time=3600s" \
  "maximal_backoff_time=3600s" \
  "maillog_file=$POSTFIX_LOG" \
  "maillog_file_prefixes=/var, /dev/stdout, $LOGS"
pf_master() { # SERVICE/TYPE "ENTRY"
  [[ $(postconf -M "$1" 2>/dev/null | tr -s ' \t' ' ') == "$2" ]] || postconf -Me "$1=$2"
}
pf_master "$LAB_HOST:$SMTP_PORT/inet" "$LAB_HOST:$SMTP_PORT inet n - n - - smtpd"
pf_master postlog/unix-dgram "postlog unix-dgram n - n - 1 postlogd"
# DKIM signing through Rspamd's milter on this listener only: the queue tests' bulk mail on :$SMTP_PORT never passes
# Rspamd. tempfail: when Rspamd is down, mail is refused rather than sent unsigned.
pf_master "$LAB_HOST:$DKIM_SMTP_PORT/inet" "$LAB_HOST:$DKIM_SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:$LAB_HOST:$RSPAMD_PROXY_PORT -o milter_default_action=tempfail"
lab_tls_postfix
pf_after=$(postfix_state)
[[ -f /etc/aliases.db ]] || newaliases
# Copies resolv.conf, services, ... into the chroot; idempotent.
/usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || log "postfix: configure-instance.sh reported a problem (continuing)"
touch "$POSTFIX_LOG"
if postfix status >/dev/null 2>&1; then
  if [[ $pf_before != "$pf_after" ]]; then
    log "postfix: config changed, restarting"
    postfix stop >/dev/null 2>&1 || true
    postfix start >>"$POSTFIX_LOG" 2>&1 9>&- || die "postfix: start failed. Log: $POSTFIX_LOG"
  else
    log "postfix: already running (PID $(tr -dc 0-9 </var/spool/postfix/pid/master.pid))"
  fi
else
  postfix check >>"$POSTFIX_LOG" 2>&1 || log "postfix: 'postfix check' warned (see $POSTFIX_LOG)"
  postfix start >>"$POSTFIX_LOG" 2>&1 9>&- || die "postfix: start failed. Log: $POSTFIX_LOG"
  log "postfix: started"
fi
wait_until "postfix smtpd :$SMTP_PORT" "$POSTFIX_LOG" 15 port_open "$LAB_HOST" "$SMTP_PORT"
wait_until "postfix submission :$SUBMISSION_PORT" "$POSTFIX_LOG" 15 port_open "$LAB_HOST" "$SUBMISSION_PORT"
wait_until "postfix smtps :$SMTPS_PORT" "$POSTFIX_LOG" 15 port_open "$LAB_HOST" "$SMTPS_PORT"

# =============================================================================== OpenLDAP slapd :3389
LDAP_URL="ldap://$LAB_HOST:$LDAP_PORT/"
[[ -s $LDAPDIR/rootpw.hash ]] || slappasswd -s "$LDAP_ADMIN_PW" >"$LDAPDIR/rootpw.hash"
slapd_changed=0
write_if_changed "$SLAPD_CONF" 600 <<EOF && slapd_changed=1 || true
# Copper lab slapd (generated by scripts/lab/up.sh; edits are overwritten)
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

pidfile  $SLAPD_PID
argsfile $RUN/slapd.args

modulepath /usr/lib/ldap
moduleload back_mdb

database mdb
maxsize  268435456
suffix   "$LDAP_SUFFIX"
rootdn   "$LDAP_ADMIN_DN"
rootpw   $(cat "$LDAPDIR/rootpw.hash")
directory $LDAPDIR/data
index objectClass eq
index uid,cn,mail eq

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read
EOF
if ((slapd_changed)) && pid_from_file "$SLAPD_PID" slapd >/dev/null; then
  stop_pidfile "slapd (config changed)" "$SLAPD_PID" slapd 20
fi
if pid=$(pid_from_file "$SLAPD_PID" slapd); then
  log "slapd: already running (PID $pid)"
else
  port_open "$LAB_HOST" "$LDAP_PORT" && die "slapd: port $LAB_HOST:$LDAP_PORT is in use by a process the lab did not start"
  slaptest -Q -u -f "$SLAPD_CONF" >>"$SLAPD_LOG" 2>&1 || die "slapd: config test failed ($SLAPD_CONF). Log: $SLAPD_LOG"
  # -d 256 (stats) keeps slapd in the foreground and logs operations to the log file.
  setsid /usr/sbin/slapd -d 256 -h "$LDAP_URL" -f "$SLAPD_CONF" >>"$SLAPD_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$SLAPD_PID"
  log "slapd: starting (PID $!)"
fi
wait_until "slapd $LDAP_URL" "$SLAPD_LOG" 20 \
  ldapsearch -x -LLL -o nettimeout=2 -H "$LDAP_URL" -b "" -s base namingContexts
ldap_add_if_missing() { # DN <ldif on stdin>
  local rc=0
  ldapsearch -x -LLL -H "$LDAP_URL" -b "$1" -s base dn >/dev/null 2>&1 || rc=$?
  if ((rc == 32)); then
    ldapadd -x -H "$LDAP_URL" -D "$LDAP_ADMIN_DN" -w "$LDAP_ADMIN_PW" >>"$SLAPD_LOG" 2>&1 ||
      die "slapd: could not add $1. Log: $SLAPD_LOG"
    log "slapd: added $1"
  else
    cat >/dev/null
    ((rc == 0)) || die "slapd: search for $1 failed (rc $rc). Log: $SLAPD_LOG"
  fi
}
ldap_add_if_missing "$LDAP_SUFFIX" <<EOF
dn: $LDAP_SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
o: Copper Lab
dc: copper
EOF
ldap_add_if_missing "ou=people,$LDAP_SUFFIX" <<EOF
dn: ou=people,$LDAP_SUFFIX
objectClass: organizationalUnit
ou: people
EOF

# =============================================================================== Dovecot imap :1143, lmtp :2424
vmail_uid=$(id -u "$VMAIL_USER")
vmail_gid=$(id -g "$VMAIL_USER")
chown "$VMAIL_USER:$VMAIL_USER" "$DOVEDIR/mail"
chmod 700 "$DOVEDIR/mail"
chmod 755 "$DOVEDIR"
printf '%s:{PLAIN}%s::::::\n' "$IMAP_USER" "$IMAP_PASSWORD" | write_if_changed "$DOVEDIR/passwd" 640 || true
chown root:dovecot "$DOVEDIR/passwd"
dovecot_changed=0
write_if_changed "$DOVECOT_CONF" 644 <<EOF && dovecot_changed=1 || true
# Copper lab Dovecot (generated by scripts/lab/up.sh; edits are overwritten)
instance_name = copper-lab
base_dir = $DOVECOT_BASE
state_dir = $DOVEDIR/state
listen = $LAB_HOST
protocols = imap lmtp
# TLS on IMAPS :$IMAPS_PORT (and STARTTLS on :$IMAP_PORT); the certificate comes from the console's include at the end.
ssl = yes
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $DOVECOT_LOG
mail_location = maildir:$DOVEDIR/mail/%d/%n/Maildir
first_valid_uid = $vmail_uid
last_valid_uid = $vmail_uid
first_valid_gid = $vmail_gid
last_valid_gid = $vmail_gid

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVEDIR/passwd
}
userdb {
  driver = static
  args = uid=$vmail_uid gid=$vmail_gid home=$DOVEDIR/mail/%d/%n
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}

service imap-login {
  inet_listener imap {
    address = $LAB_HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $LAB_HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = $LAB_HOST
    port = $LMTP_PORT
  }
}
protocol lmtp {
  postmaster_address = postmaster@copper.test
}
# Written by the console (copper tls deploy): ssl_cert and ssl_key. Last, so that it wins.
!include_try $TLS_DIR/dovecot.conf
EOF
if ((dovecot_changed)) && pid_from_file "$DOVECOT_PID" dovecot >/dev/null; then
  stop_pidfile "dovecot (config changed)" "$DOVECOT_PID" dovecot
fi
if pid=$(pid_from_file "$DOVECOT_PID" dovecot); then
  log "dovecot: already running (PID $pid)"
else
  port_open "$LAB_HOST" "$IMAP_PORT" && die "dovecot: port $LAB_HOST:$IMAP_PORT is in use by a process the lab did not start"
  touch "$DOVECOT_LOG"
  dovecot -c "$DOVECOT_CONF" >>"$DOVECOT_LOG" 2>&1 9>&- || die "dovecot: failed to start. Log: $DOVECOT_LOG"
  log "dovecot: started"
fi
imap_greets() { timeout 2 bash -c "exec 3<>/dev/tcp/$LAB_HOST/$IMAP_PORT; head -c 4 <&3" | grep -q '^\* OK'; }
wait_until "dovecot imap :$IMAP_PORT" "$DOVECOT_LOG" 15 imap_greets
wait_until "dovecot lmtp :$LMTP_PORT" "$DOVECOT_LOG" 10 port_open "$LAB_HOST" "$LMTP_PORT"
wait_until "dovecot imaps :$IMAPS_PORT" "$DOVECOT_LOG" 10 port_open "$LAB_HOST" "$IMAPS_PORT"

# =============================================================================== Rspamd :11332-11334
chown _rspamd:_rspamd "$RSPAMD_DBDIR" "$RSPAMD_RUNDIR" "$RSPAMD_LOGDIR"
[[ -s $RSPAMD_DIR/controller.hash ]] || rspamadm pw -q -p "$RSPAMD_PASSWORD" >"$RSPAMD_DIR/controller.hash" 2>/dev/null ||
  rspamadm pw -p "$RSPAMD_PASSWORD" | tail -n 1 >"$RSPAMD_DIR/controller.hash"
rspamd_hash=$(tr -d '\n' <"$RSPAMD_DIR/controller.hash")
rspamd_changed=0
rs_write() { write_if_changed "$RSPAMD_CONFDIR/local.d/$1" 644 && rspamd_changed=1 || true; }
rs_write worker-proxy.inc <<EOF
bind_socket = "$LAB_HOST:$RSPAMD_PROXY_PORT";
EOF
rs_write worker-normal.inc <<EOF
bind_socket = "$LAB_HOST:$RSPAMD_NORMAL_PORT";
EOF
rs_write worker-controller.inc <<EOF
bind_socket = "$LAB_HOST:$RSPAMD_CONTROLLER_PORT";
password = "$rspamd_hash";
enable_password = "$rspamd_hash";
EOF
rs_write worker-fuzzy.inc <<EOF
enabled = false;
EOF
# No public network: DNS goes to a (possibly absent) lab resolver on 127.0.0.1:5353; public fuzzy storage off.
rs_write options.inc <<EOF
dns {
  nameserver = ["$LAB_HOST:5353"];
  # nothing answers there yet: keep the wasted wait per scan short
  timeout = 0.2s;
  retransmits = 0;
}
EOF
rs_write fuzzy_check.conf <<EOF
enabled = false;
EOF
rs_write logging.inc <<EOF
type = "file";
filename = "\$LOGDIR/rspamd.log";
level = "info";
EOF
if ((rspamd_changed)) && pid_from_file "$RSPAMD_PID" rspamd >/dev/null; then
  stop_pidfile "rspamd (config changed)" "$RSPAMD_PID" rspamd 20
fi
if pid=$(pid_from_file "$RSPAMD_PID" rspamd); then
  log "rspamd: already running (PID $pid)"
else
  for p in "$RSPAMD_PROXY_PORT" "$RSPAMD_NORMAL_PORT" "$RSPAMD_CONTROLLER_PORT"; do
    port_open "$LAB_HOST" "$p" && die "rspamd: port $LAB_HOST:$p is in use by a process the lab did not start"
  done
  rm -f "$RSPAMD_PID"
  if compgen -G "$RSPAMD_DBDIR/*.hs*" >/dev/null; then log "rspamd: starting"
  else log "rspamd: starting (first start compiles the hyperscan cache, ~10 s)"; fi
  rspamd -u _rspamd -g _rspamd -c /etc/rspamd/rspamd.conf \
    "--var=LOCAL_CONFDIR=$RSPAMD_CONFDIR" "--var=DBDIR=$RSPAMD_DBDIR" \
    "--var=RUNDIR=$RSPAMD_RUNDIR" "--var=LOGDIR=$RSPAMD_LOGDIR" >>"$RSPAMD_STDOUT_LOG" 2>&1 </dev/null 9>&- ||
    die "rspamd: failed to start. Logs: $RSPAMD_STDOUT_LOG $RSPAMD_LOG"
fi
http_ok() { # PORT PATH EXPECT
  timeout 2 bash -c "exec 3<>/dev/tcp/$LAB_HOST/$1; printf 'GET $2 HTTP/1.0\r\n\r\n' >&3; cat <&3" | grep -q "$3"
}
wait_until "rspamd normal worker :$RSPAMD_NORMAL_PORT" "$RSPAMD_LOG" 120 http_ok "$RSPAMD_NORMAL_PORT" /ping pong
wait_until "rspamd controller :$RSPAMD_CONTROLLER_PORT" "$RSPAMD_LOG" 30 http_ok "$RSPAMD_CONTROLLER_PORT" /ping pong
wait_until "rspamd proxy :$RSPAMD_PROXY_PORT" "$RSPAMD_LOG" 30 port_open "$LAB_HOST" "$RSPAMD_PROXY_PORT"

# =============================================================================== Docker Engine (own socket)
DOCKER=(docker -H "unix://$DOCKER_SOCK")
echo '{}' | write_if_changed "$DOCKERDIR/daemon.json" 644 || true
if pid=$(pid_from_file "$DOCKER_PID" dockerd); then
  log "dockerd: already running (PID $pid)"
else
  rm -f "$DOCKER_PID"
  setsid dockerd --config-file "$DOCKERDIR/daemon.json" \
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver=vfs --data-root "$DOCKERDIR/data" --exec-root "$DOCKERDIR/exec" \
    --pidfile "$DOCKER_PID" --host "unix://$DOCKER_SOCK" --group "$DOCKER_GROUP" \
    >>"$DOCKER_LOG" 2>&1 </dev/null 9>&- &
  log "dockerd: starting (PID $!)"
fi
wait_until "dockerd $DOCKER_SOCK" "$DOCKER_LOG" 30 "${DOCKER[@]}" version

if ! "${DOCKER[@]}" image inspect "$DOCKER_IMAGE" >/dev/null 2>&1; then
  log "docker: building $DOCKER_IMAGE from busybox-static (no registry)"
  rootfs="$DOCKERDIR/rootfs"
  lab_busybox_rootfs "$rootfs"
  mkdir -p "$rootfs/www"
  printf 'copper lab container\n' >"$rootfs/www/index.html"
  tar -C "$rootfs" --owner=0 --group=0 -c . |
    "${DOCKER[@]}" import --change 'CMD ["/bin/sleep","infinity"]' --change 'ENV PATH=/bin' - "$DOCKER_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi

cstate=$("${DOCKER[@]}" container inspect -f '{{.State.Running}}' "$DOCKER_CONTAINER" 2>/dev/null || echo missing)
case $cstate in
  true) log "docker: container $DOCKER_CONTAINER already running" ;;
  false)
    "${DOCKER[@]}" start "$DOCKER_CONTAINER" >/dev/null 9>&-
    log "docker: container $DOCKER_CONTAINER started"
    ;;
  *)
    "${DOCKER[@]}" run -d --name "$DOCKER_CONTAINER" --network host --restart unless-stopped \
      --init --stop-timeout 2 --label copper.lab=1 \
      "$DOCKER_IMAGE" httpd -f -p "$LAB_HOST:$WEB_PORT" -h /www >/dev/null 9>&-
    log "docker: container $DOCKER_CONTAINER created"
    ;;
esac
wait_until "docker container $DOCKER_CONTAINER (httpd :$WEB_PORT)" "$DOCKER_LOG" 15 \
  http_ok "$WEB_PORT" / 'copper lab container'

# =============================================================================== Postfix container (host's queue)
# shellcheck source=scripts/lab/postfix-container.sh
source "$LAB_SCRIPT_DIR/postfix-container.sh"
ensure_postfix_container

# =============================================================================== DNS (named) :5353 udp+tcp
# shellcheck source=scripts/lab/dns.sh
source "$LAB_SCRIPT_DIR/dns.sh"
ensure_lab_dns

# =============================================================================== nginx reverse proxy :443
ensure_lab_nginx

# =============================================================================== Copper image (lab engine)
# shellcheck source=scripts/lab/copper-image.sh
source "$LAB_SCRIPT_DIR/copper-image.sh"
ensure_copper_image

# =============================================================================== stack engine (second dockerd)
# Where provisioning tests install a Copper stack (from a bundle, over SSH as copperkey). Its own data, exec root and
# socket; same flags as the lab engine. Started empty: the lab never loads an image into it.
STACK_DOCKER=(docker -H "unix://$STACK_DOCKER_SOCK")
mkdir -p "$STACK_DOCKERDIR/data" "$STACK_DOCKERDIR/exec"
chmod 711 "$STACK_DOCKERDIR"
echo '{}' | write_if_changed "$STACK_DOCKERDIR/daemon.json" 644 || true
if pid=$(pid_from_file "$STACK_DOCKER_PID" dockerd); then
  log "stack dockerd: already running (PID $pid)"
else
  rm -f "$STACK_DOCKER_PID"
  setsid dockerd --config-file "$STACK_DOCKERDIR/daemon.json" \
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver=vfs --data-root "$STACK_DOCKERDIR/data" --exec-root "$STACK_DOCKERDIR/exec" \
    --pidfile "$STACK_DOCKER_PID" --host "unix://$STACK_DOCKER_SOCK" --group "$DOCKER_GROUP" \
    >>"$STACK_DOCKER_LOG" 2>&1 </dev/null 9>&- &
  log "stack dockerd: starting (PID $!)"
fi
wait_until "stack dockerd $STACK_DOCKER_SOCK" "$STACK_DOCKER_LOG" 30 "${STACK_DOCKER[@]}" version

# =============================================================================== lab.json
write_lab_json
log "lab is up in $((SECONDS - T0)) s: $LAB_JSON"
