#!/usr/bin/env bash
# Smoke-test a running lab (as root): every service answers as lab.json says.
# Submits one message to Postfix :2525, checks it is deferred, then deletes exactly that message.
set -euo pipefail

# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -f $LAB_JSON ]] || die "no $LAB_JSON: run scripts/lab/up.sh first"

fails=0
ok() { printf '  ok    %s\n' "$1"; }
bad() { printf '  FAIL  %s\n' "$1"; fails=$((fails + 1)); }
check() { # NAME CMD...
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else bad "$name: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}
SSHO=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KNOWN_HOSTS"
  -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o ConnectTimeout=5)
askpass=$(mktemp)
trap 'rm -f "$askpass"' EXIT
chmod 700 "$askpass"
with_secret() { # SECRET CMD...: answers ssh's passphrase/password prompt
  printf '#!/bin/sh\necho %q\n' "$1" >"$askpass"
  shift
  SSH_ASKPASS=$askpass SSH_ASKPASS_REQUIRE=force "$@" </dev/null
}

echo "ssh"
check "key login copperkey@:$SSH_PORT" ssh "${SSHO[@]}" -i "$KEY_PRIV" -p "$SSH_PORT" "$KEY_USER@$LAB_HOST" true
check "encrypted key login" with_secret "$KEY_PASSPHRASE" ssh "${SSHO[@]/BatchMode=yes/BatchMode=no}" \
  -o PreferredAuthentications=publickey -i "$ENCKEY_PRIV" -p "$SSH_PORT" "$KEY_USER@$LAB_HOST" true
check "password login copperpw" with_secret "$PW_PASSWORD" ssh "${SSHO[@]/BatchMode=yes/BatchMode=no}" \
  -o PubkeyAuthentication=no -o PreferredAuthentications=password -p "$SSH_PORT" "$PW_USER@$LAB_HOST" true
check "sudo -n postqueue as coppersudo" ssh "${SSHO[@]}" -i "$SUDOKEY_PRIV" -p "$SSH_PORT" "$SUDO_USER_NAME@$LAB_HOST" \
  'sudo -n /usr/sbin/postqueue -j >/dev/null'
check "docker ps as copperkey over ssh" ssh "${SSHO[@]}" -i "$KEY_PRIV" -p "$SSH_PORT" "$KEY_USER@$LAB_HOST" \
  "docker -H unix://$DOCKER_SOCK ps --format '{{.Names}}' | grep -qx $DOCKER_CONTAINER"
check "via jump host :$JUMP_PORT" ssh "${SSHO[@]}" -i "$KEY_PRIV" -p "$SSH_PORT" \
  -o "ProxyCommand=ssh ${SSHO[*]} -i $KEY_PRIV -p $JUMP_PORT -W %h:%p $KEY_USER@$LAB_HOST" "$KEY_USER@$LAB_HOST" true
fp=$(ssh-keyscan -T 5 -t ed25519 -p "$SSH_PORT" "$LAB_HOST" 2>/dev/null | ssh-keygen -lf - | awk '{print $2}')
want=$(node -p "require('$LAB_JSON').ssh.hostKeyFingerprint")
[[ $fp == "$want" ]] && ok "host key matches lab.json ($want)" || bad "host key $fp != lab.json $want"

echo "postfix"
qid=$(/usr/bin/python3 - "$SMTP_PORT" <<'EOF'
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
code, resp = s.docmd('MAIL FROM:<check@copper.test>'); s.rcpt('check@example.net'); code, resp = s.data(
    b'From: check@copper.test\r\nTo: check@example.net\r\nSubject: lab check\r\n\r\nlab check\r\n')
s.quit(); print(resp.decode().split()[-1])
EOF
) || true
deferred=""
for _ in $(seq 1 30); do
  if postqueue -j | /usr/bin/python3 -c '
import json, sys
sys.exit(0 if any(m["queue_id"] == sys.argv[1] and m["queue_name"] == "deferred"
                  for m in map(json.loads, filter(str.strip, sys.stdin))) else 1)' "$qid"; then
    deferred=1
    break
  fi
  sleep 0.2
done
[[ -n $qid && -n $deferred ]] && ok "message $qid submitted on :$SMTP_PORT is deferred" || bad "message ${qid:-?} not deferred"

# The same message through the Postfix container (docker exec, as the console's docker mode does it).
PFC=(docker -H "unix://$DOCKER_SOCK" exec -i "$DOCKER_POSTFIX_CONTAINER")
queue_of() { # QID < postqueue -j output: prints the message's queue name
  /usr/bin/python3 -c '
import json, sys
for m in map(json.loads, filter(str.strip, sys.stdin)):
    if m["queue_id"] == sys.argv[1]: print(m["queue_name"]); break' "$1"
}
host_queue_of() { # QID: the queue the host's postcat finds it in (cheap, unlike postqueue -j on a big queue)
  postcat -eq "$1" 2>/dev/null | sed -n '1s/^\*\*\* ENVELOPE RECORDS \([a-z]*\)\/.*/\1/p'
}
pfc_lists() { [[ $("${PFC[@]}" postqueue -j </dev/null | queue_of "$qid") == deferred ]]; }
pfc_hold() { echo "$qid" | "${PFC[@]}" postsuper -h - && [[ $(host_queue_of "$qid") == hold ]]; }
pfc_release() { echo "$qid" | "${PFC[@]}" postsuper -H - && [[ $(host_queue_of "$qid") == deferred ]]; }
pfc_postcat() { "${PFC[@]}" postcat -hq "$qid" </dev/null | grep -qx 'Subject: lab check'; }
if [[ -n $qid && -n $deferred ]]; then
  check "$DOCKER_POSTFIX_CONTAINER: postqueue -j lists $qid as deferred" pfc_lists
  check "$DOCKER_POSTFIX_CONTAINER: postsuper -h - holds it (host sees hold)" pfc_hold
  check "$DOCKER_POSTFIX_CONTAINER: postsuper -H - releases it" pfc_release
  check "$DOCKER_POSTFIX_CONTAINER: postcat -hq $qid" pfc_postcat
fi
[[ -n $qid ]] && postsuper -d "$qid" >/dev/null 2>&1 || true

echo "ldap"
check "ldapsearch base" ldapsearch -x -LLL -H "ldap://$LAB_HOST:$LDAP_PORT" -b "ou=people,$LDAP_SUFFIX" -s base dn
check "admin bind" ldapwhoami -x -H "ldap://$LAB_HOST:$LDAP_PORT" -D "$LDAP_ADMIN_DN" -w "$LDAP_ADMIN_PW"

echo "imap"
check "IMAP login $IMAP_USER" /usr/bin/python3 -c "
import imaplib; m = imaplib.IMAP4('$LAB_HOST', $IMAP_PORT); m.login('$IMAP_USER', '$IMAP_PASSWORD'); m.select('INBOX'); m.logout()"

echo "rspamd"
check "scan on :$RSPAMD_NORMAL_PORT" bash -c "printf 'From: a@copper.test\r\nSubject: x\r\n\r\nhi\r\n' | rspamc -h $LAB_HOST:$RSPAMD_NORMAL_PORT | grep -q '^Action'"
check "controller stat on :$RSPAMD_CONTROLLER_PORT" rspamc -h "$LAB_HOST:$RSPAMD_CONTROLLER_PORT" -P "$RSPAMD_PASSWORD" stat

echo "docker"
check "container $DOCKER_CONTAINER serves :$WEB_PORT" bash -c "exec 3<>/dev/tcp/$LAB_HOST/$WEB_PORT; printf 'GET / HTTP/1.0\r\n\r\n' >&3; grep -q 'copper lab' <&3"
check "image $DOCKER_IMAGE" docker -H "unix://$DOCKER_SOCK" image inspect "$DOCKER_IMAGE"
pfc_labelled() {
  [[ $(docker -H "unix://$DOCKER_SOCK" container inspect "$DOCKER_POSTFIX_CONTAINER" \
    -f '{{.State.Running}} {{index .Config.Labels "copper.components"}}') == 'true postfix' ]]
}
check "container $DOCKER_POSTFIX_CONTAINER running, labelled copper.components=postfix" pfc_labelled
check "image $COPPER_IMAGE (copper-entry) on the lab engine" docker -H "unix://$DOCKER_SOCK" image inspect "$COPPER_IMAGE"
check "stack engine answers on $STACK_DOCKER_SOCK" docker -H "unix://$STACK_DOCKER_SOCK" version
check "stack engine as $KEY_USER over ssh" ssh "${SSHO[@]}" -i "$KEY_PRIV" -p "$SSH_PORT" "$KEY_USER@$LAB_HOST" \
  "docker -H unix://$STACK_DOCKER_SOCK info --format '{{.Driver}}' | grep -qx vfs"

echo "dns"
dig_soa() { dig -p "$DNS_PORT" "@$LAB_HOST" "$2" +norec +time=2 +tries=1 +short "$1" SOA | grep -q .; }
for zone in "${DNS_ZONES[@]}"; do
  check "named answers $zone SOA over UDP :$DNS_PORT" dig_soa "$zone" +notcp
  check "named answers $zone SOA over TCP :$DNS_PORT" dig_soa "$zone" +tcp
done
dns_update() { # a TSIG-signed update is served at once, and removed again
  local name="lab-check-$$.${DNS_ZONES[0]}"
  printf 'server %s %s\nzone %s\nupdate add %s. 60 IN TXT "lab check"\nsend\n' "$LAB_HOST" "$DNS_PORT" "${DNS_ZONES[0]}" "$name" | nsupdate -k "$DNS_TSIG_KEY" &&
    [[ $(dig -p "$DNS_PORT" "@$LAB_HOST" +short "$name" TXT) == '"lab check"' ]] &&
    printf 'server %s %s\nzone %s\nupdate delete %s.\nsend\n' "$LAB_HOST" "$DNS_PORT" "${DNS_ZONES[0]}" "$name" | nsupdate -k "$DNS_TSIG_KEY"
}
check "nsupdate with the lab TSIG key" dns_update
refused() { dig -p "$DNS_PORT" "@$LAB_HOST" +time=2 +tries=1 example.com A | grep -q 'status: REFUSED'; }
check "no recursion: example.com is REFUSED" refused

echo "tls"
served_fp() { # ARGS for s_client: prints the SHA-256 fingerprint of the certificate served
  openssl s_client "$@" -servername "$TLS_MAIL_NAME" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//'
}
file_fp=$(openssl x509 -in "$TLS_DIR/mail.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
tls_serves() { [[ $(served_fp "$@") == "$file_fp" ]]; }
check "SMTP STARTTLS :25 serves $TLS_DIR/mail.crt" tls_serves -starttls smtp -connect "$LAB_HOST:25"
check "submission STARTTLS :$SUBMISSION_PORT serves it" tls_serves -starttls smtp -connect "$LAB_HOST:$SUBMISSION_PORT"
check "SMTPS :$SMTPS_PORT serves it" tls_serves -connect "$LAB_HOST:$SMTPS_PORT"
check "IMAPS :$IMAPS_PORT serves it" tls_serves -connect "$LAB_HOST:$IMAPS_PORT"
check "nginx HTTPS :$HTTPS_PORT serves it and proxies to :$WEB_PORT" bash -c "tls_ok=\$(curl -sk https://$LAB_HOST:$HTTPS_PORT/) && [[ \$tls_ok == *'copper lab'* ]]"
check "HTTPS :$HTTPS_PORT serves it" tls_serves -connect "$LAB_HOST:$HTTPS_PORT"
check "key $TLS_DIR/mail.key is 0600 root" bash -c "[[ \$(stat -c '%a %U' $TLS_DIR/mail.key) == '600 root' ]]"

echo "listeners"
wide=$(ss -Hltnp | awk '{print $4, $6}' | grep -E 'sshd|master|slapd|dovecot|rspamd|httpd|dockerd|named|nginx' | grep -v '^127\.0\.0\.1:' || true)
[[ -z $wide ]] && ok "every lab listener is on 127.0.0.1" || bad "listening beyond 127.0.0.1: $wide"

((fails == 0)) && echo "all checks passed" || { echo "$fails check(s) failed"; exit 1; }
