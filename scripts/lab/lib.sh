# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for scripts/lab/{up,down,rekey-sshd}.sh. Sourced, not executed.

LAB_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO_ROOT="$(cd "$LAB_SCRIPT_DIR/../.." && pwd)"
LAB="$(realpath -m "${COPPER_LAB_DIR:-$LAB_REPO_ROOT/.lab}")"
export LAB

# ---- fixed lab facts (ports, users, secrets; all test-only) -----------------
LAB_HOST=127.0.0.1
SSH_PORT=2222
JUMP_PORT=2223
SMTP_PORT=2525
LDAP_PORT=3389
IMAP_PORT=1143
LMTP_PORT=2424
RSPAMD_PROXY_PORT=11332
RSPAMD_NORMAL_PORT=11333
RSPAMD_CONTROLLER_PORT=11334
WEB_PORT=8089
DNS_PORT=5353
# An smtpd that passes mail through Rspamd (milter) to be DKIM-signed; only the DKIM tests use it, and their mail
# goes to DKIM_SINK_DOMAIN, routed to an SMTP sink the test runs on DKIM_SINK_PORT, so none stays queued.
DKIM_SMTP_PORT=2588
DKIM_SINK_PORT=2527
DKIM_SINK_DOMAIN=dkimsink.example
# TLS listeners (scripts/lab/tls.sh): Postfix STARTTLS on 25 and SUBMISSION_PORT, SMTPS, Dovecot IMAPS, nginx HTTPS.
SUBMISSION_PORT=587
SMTPS_PORT=465
IMAPS_PORT=993
HTTPS_PORT=443

KEY_USER=copperkey
PW_USER=copperpw
SUDO_USER_NAME=coppersudo
DOCKER_GROUP=copperdocker
VMAIL_USER=coppervmail
KEY_PASSPHRASE=lab-key-passphrase
PW_PASSWORD=lab-password-1
LDAP_SUFFIX=dc=copper,dc=test
LDAP_ADMIN_DN=cn=admin,dc=copper,dc=test
LDAP_ADMIN_PW=lab-ldap-admin
IMAP_USER=alice@copper.test
IMAP_PASSWORD=lab-imap-1
RSPAMD_PASSWORD=lab-rspamd-1
DOCKER_IMAGE=copper-lab/busybox:1
DOCKER_CONTAINER=copper-lab-web
# Postfix "in a container" on the host's real queue (scripts/lab/postfix-container.sh); tagged with the host's
# Postfix version so docker-mode component detection reads it from the tag.
DOCKER_POSTFIX_CONTAINER=copper-lab-postfix
DOCKER_POSTFIX_REPO=copper-lab/postfix
# The lab's real Copper image (scripts/lab/copper-image.sh), built on the lab engine; provisioning tests bundle it and
# push it to the second, "stack" engine (STACK_DOCKER_SOCK), which the lab starts empty.
COPPER_IMAGE=copper-lab/copper:1.0.0
# The lab DNS server (scripts/lab/dns.sh): authoritative for these zones, changed by tests with TSIG-signed updates.
DNS_ZONES=(lab.example copper.test)
DNS_TSIG_NAME=copper-lab-update
# The name the lab host's initial self-signed certificate covers (Postfix's myhostname).
TLS_MAIL_NAME=lab.copper.test

# ---- paths ------------------------------------------------------------------
LOGS="$LAB/logs"
RUN="$LAB/run"
SSHDIR="$LAB/ssh"
SSHD_CONF="$SSHDIR/sshd_config"
SSHD_HOSTKEY="$SSHDIR/sshd_host_ed25519_key"
SSHD_HOSTKEY_ORIG="$SSHDIR/sshd_host_ed25519_key.original"
SSHD_PID="$RUN/sshd.pid"
SSHD_LOG="$LOGS/sshd.log"
JUMP_CONF="$SSHDIR/sshd_jump_config"
JUMP_HOSTKEY="$SSHDIR/jump_host_ed25519_key"
JUMP_PID="$RUN/sshd-jump.pid"
JUMP_LOG="$LOGS/sshd-jump.log"
KNOWN_HOSTS="$SSHDIR/known_hosts"
SSH_CONFIG="$SSHDIR/ssh_config"
KEY_PRIV="$SSHDIR/copperkey_ed25519"
ENCKEY_PRIV="$SSHDIR/copperkey_encrypted_ed25519"
SUDOKEY_PRIV="$SSHDIR/coppersudo_ed25519"
POSTFIX_LOG="$LOGS/postfix.log"
LDAPDIR="$LAB/ldap"
SLAPD_CONF="$LDAPDIR/slapd.conf"
SLAPD_PID="$RUN/slapd.pid"
SLAPD_LOG="$LOGS/slapd.log"
DOVEDIR="$LAB/dovecot"
DOVECOT_CONF="$DOVEDIR/dovecot.conf"
DOVECOT_BASE="$RUN/dovecot"
DOVECOT_PID="$DOVECOT_BASE/master.pid"
DOVECOT_LOG="$LOGS/dovecot.log"
RSPAMD_DIR="$LAB/rspamd"
RSPAMD_CONFDIR="$RSPAMD_DIR/etc"
RSPAMD_DBDIR="$RSPAMD_DIR/db"
RSPAMD_RUNDIR="$RUN/rspamd"
RSPAMD_LOGDIR="$LOGS/rspamd"
RSPAMD_PID="$RSPAMD_RUNDIR/rspamd.pid"
RSPAMD_LOG="$RSPAMD_LOGDIR/rspamd.log"
RSPAMD_STDOUT_LOG="$LOGS/rspamd-stdout.log"
# DKIM keys the console writes (copper dkim rotate); the lab test mail for DKIM is signed on its own smtpd.
RSPAMD_DKIM_DIR="$RSPAMD_DIR/dkim"
DOCKERDIR="$LAB/docker"
DOCKER_SOCK="$DOCKERDIR/docker.sock"
DOCKER_PID="$DOCKERDIR/docker.pid"
DOCKER_LOG="$LOGS/dockerd.log"
COPPER_IMAGE_DIR="$LAB/copper-image"
COPPER_IMAGE_LOG="$LOGS/copper-image.log"
STACK_DOCKERDIR="$LAB/stack-docker"
STACK_DOCKER_SOCK="$STACK_DOCKERDIR/docker.sock"
STACK_DOCKER_PID="$STACK_DOCKERDIR/docker.pid"
STACK_DOCKER_LOG="$LOGS/stack-dockerd.log"
DNSDIR="$LAB/dns"
DNS_STATE="$DNSDIR/state"
NAMED_CONF="$DNSDIR/named.conf"
NAMED_PID="$RUN/named.pid"
NAMED_LOG="$LOGS/named.log"
DNS_TSIG_KEY="$DNSDIR/update.key"
TLS_DIR=/etc/copper/tls
# Docker mode (the Copper stack's mail container, test/fixtures/bundle/copper-lab-stack.json): Rspamd's DKIM state on
# the host, bind-mounted read-only at the same paths into the container, where Copper Console writes it as on a native
# host; only the reload and the signing check run in the container. Rspamd's ports there: milter (proxy), normal,
# controller, on 127.0.0.1 beside the host's own 11332-11334.
STACK_RSPAMD_CONFDIR=/etc/copper/rspamd
STACK_DKIM_DIR=/etc/copper/dkim
STACK_RSPAMD_PID=/run/rspamd/rspamd.pid
STACK_SMTP_PORT=3025
STACK_RSPAMD_PROXY_PORT=3332
STACK_RSPAMD_NORMAL_PORT=3333
STACK_RSPAMD_CONTROLLER_PORT=3334
NGINX_DIR="$LAB/nginx"
NGINX_CONF="$NGINX_DIR/nginx.conf"
NGINX_PID="$RUN/nginx.pid"
NGINX_LOG="$LOGS/nginx.log"
LAB_JSON="$LAB/lab.json"

# ---- output -------------------------------------------------------------------
log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- locking: up/down/rekey never run concurrently --------------------------------
lab_lock() {
  mkdir -p "$LAB"
  exec 9>>"$LAB/.lock"
  flock -n 9 && return 0
  log "waiting for $LAB/.lock (held by: $(lock_holders | tr '\n' ' '))"
  flock -w 600 9 || die "$LAB/.lock is still held after 600 s by: $(lock_holders | tr '\n' ' ')"
}
# Every daemon is started with fd 9 closed (9>&-) so it never inherits the lock.
lock_holders() {
  local st mypg pid f
  read -r st <"/proc/$$/stat"; st=${st##*) }; read -ra st <<<"$st"; mypg=${st[2]}
  find /proc/[0-9]*/fd -maxdepth 1 -lname "$LAB/.lock" 2>/dev/null | while read -r f; do
    pid=${f#/proc/}; pid=${pid%%/*}
    { read -r st <"/proc/$pid/stat"; } 2>/dev/null || continue
    st=${st##*) }; read -ra st <<<"$st"
    [[ ${st[2]} == "$mypg" ]] && continue # ourselves and our subshells
    echo "$pid($(cat "/proc/$pid/comm" 2>/dev/null))"
  done | sort -u
  return 0
}

# ---- processes ------------------------------------------------------------------------
# pid_from_file FILE -> prints the PID if the file holds a live process, else nothing (exit 1).
# Optional second arg: expected /proc/PID/comm prefix (guards against PID reuse).
pid_from_file() {
  local file=$1 want=${2:-} pid comm
  [[ -r $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file" 2>/dev/null | head -c 10) || true
  [[ -n $pid ]] || return 1
  alive "$pid" || return 1
  if [[ -n $want ]]; then
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    [[ $comm == "$want"* ]] || return 1
  fi
  printf '%s\n' "$pid"
}

# alive PID: running and not a zombie (PID 1 here may be slow to reap orphans).
alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $st != Z && $st != X ]]
}

# stop_pidfile NAME FILE COMM [TIMEOUT_S]: SIGTERM, wait, then SIGKILL. Idempotent.
stop_pidfile() {
  local name=$1 file=$2 want=$3 timeout=${4:-15} pid i
  if ! pid=$(pid_from_file "$file" "$want"); then
    rm -f "$file"
    log "$name: not running"
    return 0
  fi
  log "$name: stopping PID $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name: PID $pid ignored SIGTERM for ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$file"
}

# ---- readiness -------------------------------------------------------------------------
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_until NAME LOGFILE TIMEOUT_S CMD...: polls CMD every 0.2 s.
wait_until() {
  local name=$1 logfile=$2 timeout=$3 deadline
  shift 3
  deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      printf '[lab] ERROR: %s did not become ready within %ss. Log: %s\n' "$name" "$timeout" "$logfile" >&2
      if [[ -f $logfile ]]; then
        printf '[lab] ---- last lines of %s ----\n' "$logfile" >&2
        tail -n 25 "$logfile" >&2 || true
      fi
      exit 1
    fi
    sleep 0.2
  done
}

# write_if_changed FILE MODE <content on stdin>: returns 0 if the file changed.
write_if_changed() {
  local file=$1 mode=$2 tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
  return 0
}

# Commands coppersudo may run as root without a password (only those that exist on this machine).
lab_sudo_cmds() {
  local c
  for c in /usr/sbin/postqueue /usr/sbin/postsuper /usr/sbin/postcat /usr/sbin/postfix /usr/sbin/postconf \
    /usr/sbin/postmap /usr/bin/docker /usr/local/bin/docker /usr/bin/doveadm /usr/bin/rspamc /usr/sbin/qshape; do
    [[ -x $c ]] && printf '%s\n' "$c"
  done
  return 0
}

# What coppersudo may run as root to deploy a certificate (copper tls deploy), each with its exact arguments: it can
# write only the console's fixed files in TLS_DIR (install sets the mode and owner as it creates the file, so the key is
# never readable by others, not even for a moment), copy them to and from their backups, and test and reload the lab's
# nginx. No `tee` or wildcard: a rule with `*` in its arguments would also match "..", extra paths and spaces.
lab_tls_sudo_cmds() {
  local f
  printf '%s\n' "/usr/bin/install -d -m 0755 -o root -g root $TLS_DIR" \
    "/usr/bin/install -m 0600 -o root -g root /dev/stdin $TLS_DIR/mail.key"
  for f in mail.crt dovecot.conf nginx.conf; do printf '%s\n' "/usr/bin/install -m 0644 -o root -g root /dev/stdin $TLS_DIR/$f"; done
  for f in mail.key mail.crt; do
    printf '%s\n' "/usr/bin/cp -p -f $TLS_DIR/$f $TLS_DIR/$f.previous" "/usr/bin/cp -p -f $TLS_DIR/$f.previous $TLS_DIR/$f"
  done
  printf '%s\n' "/usr/sbin/nginx -t -q -c $NGINX_CONF" "/usr/sbin/nginx -s reload -c $NGINX_CONF"
}

# A path as a literal in a sudoers regex: its regex characters escaped.
sudoers_re() { printf '%s' "$1" | sed 's/[].[\\*^$()+?{|]/\\&/g'; }

# DKIM rotation (copper dkim rotate) as coppersudo: write key files (0600, Rspamd's user) and the console's signing
# config where the lab Rspamd reads them, remove retired keys, and SIGHUP Rspamd. Least privilege: every rule is an
# exact command line, or a sudoers regex (sudo >= 1.9.10) that allows one file name with no "/" inside one folder.
lab_dkim_sudo_cmds() {
  local conf_re key_re name_re='[a-z0-9][a-z0-9.-]*'
  conf_re=$(sudoers_re "$RSPAMD_CONFDIR/local.d")
  key_re=$(sudoers_re "$RSPAMD_DKIM_DIR")
  printf '%s\n' "/usr/bin/install -d -m 0700 -o _rspamd -g _rspamd $RSPAMD_DKIM_DIR" \
    "/usr/bin/install -d -m 0755 -o root -g root $RSPAMD_CONFDIR/local.d/copper-dkim" \
    "/usr/bin/install -m 0644 -o root -g root /dev/stdin $RSPAMD_CONFDIR/local.d/dkim_signing.conf" \
    "/usr/bin/install ^-m 0644 -o root -g root /dev/stdin $conf_re/copper-dkim/$name_re\\.conf\$" \
    "/usr/bin/install ^-m 0600 -o _rspamd -g _rspamd /dev/stdin $key_re/$name_re\\.key\$" \
    "/usr/bin/rm ^-f $conf_re/copper-dkim/$name_re\\.conf\$" \
    "/usr/bin/rm ^-f $key_re/$name_re\\.key\$" \
    "/usr/bin/pkill --signal HUP -F $RSPAMD_PID -x rspamd"
}

# DKIM rotation for the docker-mode stack host: the same files in the host folders the mail container mounts
# (STACK_DKIM_DIR, STACK_RSPAMD_CONFDIR). Key files and their folder belong to Rspamd's user INSIDE the container, which
# the host need not have (or has with another id): the console writes its numeric ids, so those rules take digits
# where the native ones name _rspamd. The reload and rspamc run in the container through Docker exec, not sudo.
lab_dkim_docker_sudo_cmds() {
  local conf_re key_re name_re='[a-z0-9][a-z0-9.-]*' id_re='[0-9][0-9]*'
  conf_re=$(sudoers_re "$STACK_RSPAMD_CONFDIR/local.d")
  key_re=$(sudoers_re "$STACK_DKIM_DIR")
  printf '%s\n' "/usr/bin/install ^-d -m 0700 -o $id_re -g $id_re $key_re\$" \
    "/usr/bin/install -d -m 0755 -o root -g root $STACK_RSPAMD_CONFDIR/local.d/copper-dkim" \
    "/usr/bin/install -m 0644 -o root -g root /dev/stdin $STACK_RSPAMD_CONFDIR/local.d/dkim_signing.conf" \
    "/usr/bin/install ^-m 0644 -o root -g root /dev/stdin $conf_re/copper-dkim/$name_re\\.conf\$" \
    "/usr/bin/install ^-m 0600 -o $id_re -g $id_re /dev/stdin $key_re/$name_re\\.key\$" \
    "/usr/bin/rm ^-f $conf_re/copper-dkim/$name_re\\.conf\$" \
    "/usr/bin/rm ^-f $key_re/$name_re\\.key\$"
}

fingerprint() { ssh-keygen -lf "$1" | awk '{print $2}'; }

# The Postfix container's image: the repo tagged with the host's Postfix version (the binaries are the host's).
postfix_container_image() { printf '%s:%s\n' "$DOCKER_POSTFIX_REPO" "$(postconf -h mail_version 2>/dev/null || echo unknown)"; }

# lab_busybox_rootfs DIR: a minimal root filesystem (busybox-static + its applets in /bin, root/nobody) for
# `docker import`. Uses the installed busybox-static, or fetches the package from the apt mirror.
lab_busybox_rootfs() {
  local rootfs=$1 bb tmpdeb=""
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root}
  bb=$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$' || true)
  if [[ -z $bb ]] || ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
    tmpdeb=$(mktemp -d "$DOCKERDIR/bbdeb.XXXXXX")
    (cd "$tmpdeb" && apt-get download busybox-static >/dev/null && dpkg-deb -x busybox-static_*.deb "$tmpdeb/x") ||
      die "docker: cannot get busybox-static (apt-get download failed)"
    bb="$tmpdeb/x/bin/busybox"
  fi
  install -m 755 "$bb" "$rootfs/bin/busybox"
  [[ -n $tmpdeb ]] && rm -rf "$tmpdeb"
  # ~400 applet symlinks in one process (one `ln` each costs seconds on a loaded machine).
  node -e 'const fs = require("fs"); const [dir, ...names] = process.argv.slice(1);
    for (const n of names) if (n !== "busybox") fs.symlinkSync("busybox", `${dir}/${n}`);' \
    "$rootfs/bin" $("$rootfs/bin/busybox" --list)
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
}

# ---- lab.json + known_hosts (also used by rekey-sshd.sh) -----------------------------
write_known_hosts() {
  {
    printf '[%s]:%s %s\n' "$LAB_HOST" "$SSH_PORT" "$(awk '{print $1" "$2}' "$SSHD_HOSTKEY.pub")"
    printf '[%s]:%s %s\n' "$LAB_HOST" "$JUMP_PORT" "$(awk '{print $1" "$2}' "$JUMP_HOSTKEY.pub")"
  } | write_if_changed "$KNOWN_HOSTS" 644 || true
}

# ssh -F $LAB/ssh/ssh_config lab-key|lab-encrypted-key|lab-sudo|lab-pw|lab-jump|lab-via-jump
write_ssh_config() {
  write_if_changed "$SSH_CONFIG" 644 <<EOF || true
# Copper lab (generated by scripts/lab/up.sh). Usage: ssh -F $SSH_CONFIG lab-key 'docker ps'
Host lab-key
    User $KEY_USER
    IdentityFile $KEY_PRIV
Host lab-encrypted-key
    User $KEY_USER
    IdentityFile $ENCKEY_PRIV
Host lab-sudo
    User $SUDO_USER_NAME
    IdentityFile $SUDOKEY_PRIV
Host lab-pw
    User $PW_USER
    PubkeyAuthentication no
    PreferredAuthentications password,keyboard-interactive
Host lab-jump
    Port $JUMP_PORT
    User $KEY_USER
    IdentityFile $KEY_PRIV
Host lab-via-jump
    User $KEY_USER
    IdentityFile $KEY_PRIV
    ProxyJump lab-jump
Host lab-*
    HostName $LAB_HOST
    Port $SSH_PORT
    UserKnownHostsFile $KNOWN_HOSTS
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    IdentitiesOnly yes
    ControlMaster no
EOF
}

write_lab_json() {
  write_known_hosts
  write_ssh_config
  local orig_fp=""
  [[ -f $SSHD_HOSTKEY_ORIG.pub ]] && orig_fp=$(fingerprint "$SSHD_HOSTKEY_ORIG.pub")
  J_SUDO_CMDS="$(lab_sudo_cmds | tr '\n' ' ')" \
  J_SSH_FP=$(fingerprint "$SSHD_HOSTKEY.pub") \
  J_SSH_ORIG_FP=$orig_fp \
  J_JUMP_FP=$(fingerprint "$JUMP_HOSTKEY.pub") \
  J_PF_IMAGE=$(postfix_container_image) \
  J_DNS_ZONES="${DNS_ZONES[*]}" \
  J_TLS_SUDO_CMDS="$(lab_tls_sudo_cmds)" \
  J_DKIM_SUDO_CMDS="$(lab_dkim_sudo_cmds)" \
  J_DKIM_DOCKER_SUDO_CMDS="$(lab_dkim_docker_sudo_cmds)" \
  node - >"$LAB_JSON.tmp" <<'EOF'
const e = process.env;
const n = (k) => Number(e[k]);
const lab = {
  dir: e.LAB,
  knownHostsPath: e.KNOWN_HOSTS,
  sshConfigPath: e.SSH_CONFIG,
  ssh: {
    host: e.LAB_HOST, port: n('SSH_PORT'),
    hostKeyFingerprint: e.J_SSH_FP,
    hostKeyPath: e.SSHD_HOSTKEY + '.pub',
    rekeyed: e.J_SSH_ORIG_FP !== '',
    originalHostKeyFingerprint: e.J_SSH_ORIG_FP || e.J_SSH_FP,
    log: e.SSHD_LOG,
  },
  jump: {
    host: e.LAB_HOST, port: n('JUMP_PORT'),
    hostKeyFingerprint: e.J_JUMP_FP,
    hostKeyPath: e.JUMP_HOSTKEY + '.pub',
    user: e.KEY_USER, privateKey: e.KEY_PRIV,
    log: e.JUMP_LOG,
  },
  users: {
    key: { name: e.KEY_USER, privateKey: e.KEY_PRIV, publicKey: e.KEY_PRIV + '.pub', dockerGroup: true },
    encryptedKey: { name: e.KEY_USER, privateKey: e.ENCKEY_PRIV, publicKey: e.ENCKEY_PRIV + '.pub', passphrase: e.KEY_PASSPHRASE },
    password: { name: e.PW_USER, password: e.PW_PASSWORD },
    sudo: { name: e.SUDO_USER_NAME, privateKey: e.SUDOKEY_PRIV, publicKey: e.SUDOKEY_PRIV + '.pub', dockerGroup: true,
            sudoers: '/etc/sudoers.d/copper-lab', sudoCommands: (e.J_SUDO_CMDS || '').split(' ').filter(Boolean),
            sudoNote: 'sudo -n only for sudoCommands; sudo resets DOCKER_HOST, so pass docker -H' },
  },
  postfix: {
    host: e.LAB_HOST, smtpPort: n('SMTP_PORT'), port25: 25, configDir: '/etc/postfix',
    relayhost: '[127.0.0.1]:9', note: 'mail to non-local domains stays deferred (relayhost refuses)',
    log: e.POSTFIX_LOG,
  },
  ldap: {
    url: `ldap://${e.LAB_HOST}:${e.LDAP_PORT}/`, port: n('LDAP_PORT'),
    baseDn: e.LDAP_SUFFIX, peopleDn: 'ou=people,' + e.LDAP_SUFFIX,
    adminDn: e.LDAP_ADMIN_DN, adminPassword: e.LDAP_ADMIN_PW,
    config: e.SLAPD_CONF, log: e.SLAPD_LOG,
  },
  imap: {
    host: e.LAB_HOST, port: n('IMAP_PORT'), tls: false, user: e.IMAP_USER, password: e.IMAP_PASSWORD,
    lmtpPort: n('LMTP_PORT'), config: e.DOVECOT_CONF, log: e.DOVECOT_LOG,
  },
  rspamd: {
    host: e.LAB_HOST, proxyPort: n('RSPAMD_PROXY_PORT'), normalPort: n('RSPAMD_NORMAL_PORT'),
    controllerPort: n('RSPAMD_CONTROLLER_PORT'), controllerPassword: e.RSPAMD_PASSWORD,
    localConfDir: e.RSPAMD_CONFDIR, log: e.RSPAMD_LOG,
    // DKIM rotation: the console's Rspamd settings for the lab host, and where signed test mail goes.
    dkim: {
      keyDir: e.RSPAMD_DKIM_DIR, pidFile: e.RSPAMD_PID, user: '_rspamd', group: '_rspamd',
      signingSmtpPort: n('DKIM_SMTP_PORT'), sinkDomain: e.DKIM_SINK_DOMAIN, sinkPort: n('DKIM_SINK_PORT'),
      sudoRules: (e.J_DKIM_SUDO_CMDS || '').split('\n').filter(Boolean),
    },
  },
  docker: {
    socket: e.DOCKER_SOCK, host: 'unix://' + e.DOCKER_SOCK, group: e.DOCKER_GROUP,
    image: e.DOCKER_IMAGE, container: e.DOCKER_CONTAINER, containerHttp: `http://${e.LAB_HOST}:${e.WEB_PORT}/`,
    postfixContainer: e.DOCKER_POSTFIX_CONTAINER, postfixImage: e.J_PF_IMAGE,
    postfixNote: 'postqueue/postsuper/postcat/postconf via docker exec act on the host Postfix (same /etc/postfix and spool)',
    log: e.DOCKER_LOG,
  },
  // The engine provisioning tests install a Copper stack onto (empty of Copper images until a bundle is pushed).
  stackDocker: {
    socket: e.STACK_DOCKER_SOCK, host: 'unix://' + e.STACK_DOCKER_SOCK, group: e.DOCKER_GROUP, log: e.STACK_DOCKER_LOG,
    // The provisioned lab stack's Rspamd (mail container): DKIM files in host folders it mounts at the same paths.
    rspamd: {
      localConfDir: e.STACK_RSPAMD_CONFDIR, keyDir: e.STACK_DKIM_DIR, pidFile: e.STACK_RSPAMD_PID,
      smtpPort: n('STACK_SMTP_PORT'), proxyPort: n('STACK_RSPAMD_PROXY_PORT'), normalPort: n('STACK_RSPAMD_NORMAL_PORT'),
      controllerPort: n('STACK_RSPAMD_CONTROLLER_PORT'),
      sudoRules: (e.J_DKIM_DOCKER_SUDO_CMDS || '').split('\n').filter(Boolean),
    },
  },
  // Built on the lab engine (docker.host); copper-entry openldap (:3390) | mail (:3025 smtp, :3143 imap).
  copperImage: e.COPPER_IMAGE,
  dns: {
    host: e.LAB_HOST, port: n('DNS_PORT'), resolver: `${e.LAB_HOST}:${e.DNS_PORT}`,
    zones: (e.J_DNS_ZONES || '').split(' ').filter(Boolean),
    tsigKeyName: e.DNS_TSIG_NAME, tsigKeyFile: e.DNS_TSIG_KEY,
    note: 'authoritative only (no recursion); change the zones with nsupdate -k tsigKeyFile (test/support/dns.ts)',
    config: e.NAMED_CONF, log: e.NAMED_LOG,
  },
  tls: {
    host: e.LAB_HOST, mailName: e.TLS_MAIL_NAME, dir: e.TLS_DIR,
    ports: { smtp: 25, submission: n('SUBMISSION_PORT'), smtps: n('SMTPS_PORT'), imaps: n('IMAPS_PORT'), https: n('HTTPS_PORT') },
    dovecotConfig: e.DOVECOT_CONF, nginxConfig: e.NGINX_CONF, nginxLog: e.NGINX_LOG,
    sudoCommands: (e.J_TLS_SUDO_CMDS || '').split('\n').filter(Boolean),
    note: 'every TLS port serves TLS_DIR/mail.crt; the console deploys there (copper tls deploy)',
  },
  logs: e.LOGS,
};
process.stdout.write(JSON.stringify(lab, null, 2) + '\n');
EOF
  chmod 644 "$LAB_JSON.tmp"
  mv -f "$LAB_JSON.tmp" "$LAB_JSON"
}

# Exported so the node snippet above can read them.
export LAB_HOST SSH_PORT JUMP_PORT SMTP_PORT LDAP_PORT IMAP_PORT LMTP_PORT RSPAMD_PROXY_PORT RSPAMD_NORMAL_PORT \
  RSPAMD_CONTROLLER_PORT WEB_PORT KEY_USER PW_USER SUDO_USER_NAME DOCKER_GROUP KEY_PASSPHRASE PW_PASSWORD LDAP_SUFFIX \
  LDAP_ADMIN_DN LDAP_ADMIN_PW IMAP_USER IMAP_PASSWORD RSPAMD_PASSWORD DOCKER_IMAGE DOCKER_CONTAINER DOCKER_POSTFIX_CONTAINER LOGS SSHD_HOSTKEY \
  SSHD_LOG SSH_CONFIG JUMP_HOSTKEY JUMP_LOG KNOWN_HOSTS KEY_PRIV ENCKEY_PRIV SUDOKEY_PRIV POSTFIX_LOG SLAPD_CONF SLAPD_LOG \
  DOVECOT_CONF DOVECOT_LOG RSPAMD_CONFDIR RSPAMD_LOG DOCKER_SOCK DOCKER_LOG
export DNS_PORT DNS_TSIG_NAME DNS_TSIG_KEY NAMED_CONF NAMED_LOG
export RSPAMD_DKIM_DIR RSPAMD_PID DKIM_SMTP_PORT DKIM_SINK_PORT DKIM_SINK_DOMAIN
export SUBMISSION_PORT SMTPS_PORT IMAPS_PORT HTTPS_PORT TLS_MAIL_NAME TLS_DIR NGINX_CONF NGINX_LOG
export COPPER_IMAGE STACK_DOCKER_SOCK STACK_DOCKER_LOG
export STACK_RSPAMD_CONFDIR STACK_DKIM_DIR STACK_RSPAMD_PID STACK_SMTP_PORT STACK_RSPAMD_PROXY_PORT STACK_RSPAMD_NORMAL_PORT \
  STACK_RSPAMD_CONTROLLER_PORT

# ---- sshd start (shared with rekey-sshd.sh) ---------------------------------------------------
# start_sshd NAME CONF PIDFILE LOG PORT
start_sshd() {
  local name=$1 conf=$2 pidfile=$3 logfile=$4 port=$5 pid
  if pid=$(pid_from_file "$pidfile" sshd); then
    log "$name: already running (PID $pid)"
    return 0
  fi
  rm -f "$pidfile"
  mkdir -p /run/sshd && chmod 755 /run/sshd
  if ! /usr/sbin/sshd -t -f "$conf" 2>>"$logfile"; then
    die "$name: config test failed for $conf. Log: $logfile"
  fi
  if port_open "$LAB_HOST" "$port"; then
    die "$name: port $LAB_HOST:$port is already in use by a process the lab did not start (ss -ltnp 'sport = :$port')"
  fi
  /usr/sbin/sshd -f "$conf" -E "$logfile" 9>&- || die "$name: failed to start. Log: $logfile"
  wait_until "$name" "$logfile" 10 pid_from_file "$pidfile" sshd
  wait_until "$name" "$logfile" 10 port_open "$LAB_HOST" "$port"
  log "$name: started on $LAB_HOST:$port (PID $(cat "$pidfile"))"
}
