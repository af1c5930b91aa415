/**
 * The one program a native-mode host check runs on a server: `['sh', '-c', HOST_CHECK_SCRIPT]` over SSH, as the login
 * user (usually not root), on Debian, Ubuntu, RHEL and Alpine (dash, bash or BusyBox sh).
 *
 * It prints sections, each opened by a line `@@copper:section NAME`; host-check-parser.ts reads them. A section named
 * `path:X` holds where component X was found (empty: not found), `version:X` what X said about its version.
 *
 * What must not change, and why:
 * - It is a constant: nothing from the operator or the inventory is ever pasted into it.
 * - It only reads: no file is written, no service touched, no secret read (os-release, /proc, `--version` output,
 *   and Roundcube's iniset.php, which holds the version and no configuration). It needs no root.
 * - Processes are listed by name only (comm), never by command line, which can hold passwords.
 * - Every command is guarded so a missing tool or an odd system still yields the other sections and exit status 0.
 * - It stays fast (well under a second on the lab): no package-manager queries, and `timeout 2` around anything that
 *   could hang (df on a dead NFS mount, a daemon binary that misbehaves on `--version`) where `timeout` exists.
 * - stdin is /dev/null, so no command can wait for input on the SSH channel.
 * - Many daemons live in sbin folders, missing from an unprivileged user's PATH: they are appended.
 */
export const HOST_CHECK_SCRIPT = `exec </dev/null
if [ -n "$PATH" ]; then PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; else PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; fi
export PATH
LC_ALL=C
export LC_ALL
copper_timeout=
if timeout 1 true >/dev/null 2>&1; then copper_timeout=yes; fi
copper_bounded() { if [ -n "$copper_timeout" ]; then timeout 2 "$@"; else "$@"; fi; }
copper_section() { printf '\\n@@copper:section %s\\n' "$1"; }
copper_first_command() {
  for copper_name in "$@"; do
    case "$copper_name" in
      /*) if [ -f "$copper_name" ] && [ -x "$copper_name" ]; then printf '%s\\n' "$copper_name"; return 0; fi ;;
      *) copper_found=$(command -v "$copper_name" 2>/dev/null) && case "$copper_found" in /*) printf '%s\\n' "$copper_found"; return 0 ;; esac ;;
    esac
  done
  return 0
}
copper_version() { copper_bounded "$@" 2>&1 | head -n 5; }

copper_section os
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true
copper_section kernel
uname -srm 2>/dev/null || true
copper_section uptime
cat /proc/uptime 2>/dev/null || true
copper_section load
cat /proc/loadavg 2>/dev/null || true
copper_section cpus
getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo 2>/dev/null || true
copper_section memory
cat /proc/meminfo 2>/dev/null || true

copper_section disks
copper_df=$(copper_bounded df -PkT 2>/dev/null)
if [ -z "$copper_df" ]; then copper_df=$(copper_bounded df -Pk 2>/dev/null); fi
if [ -n "$copper_df" ]; then printf '%s\\n' "$copper_df"; fi

copper_section processes
copper_ps=$(ps -eo pid=,comm= 2>/dev/null)
if [ -n "$copper_ps" ]; then
  printf '%s\\n' "$copper_ps"
else
  for copper_dir in /proc/[0-9]*; do
    copper_comm=
    read -r copper_comm 2>/dev/null <"$copper_dir/comm" && printf '%s %s\\n' "\${copper_dir#/proc/}" "$copper_comm"
  done
fi

copper_bin=$(copper_first_command postconf)
copper_section path:postfix
printf '%s\\n' "$copper_bin"
copper_section version:postfix
if [ -n "$copper_bin" ]; then
  copper_bounded "$copper_bin" -d -h mail_version 2>/dev/null || copper_bounded "$copper_bin" -h mail_version 2>/dev/null || true
fi

copper_bin=$(copper_first_command dovecot)
copper_section path:dovecot
printf '%s\\n' "$copper_bin"
copper_section version:dovecot
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" --version; fi

copper_bin=$(copper_first_command rspamd)
copper_section path:rspamd
printf '%s\\n' "$copper_bin"
copper_section version:rspamd
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" --version; fi

copper_bin=$(copper_first_command clamd)
copper_section path:clamd
printf '%s\\n' "$copper_bin"
copper_section version:clamd
if [ -n "$copper_bin" ]; then
  # clamd refuses --version when its default config is missing or unreadable (RHEL keeps it in /etc/clamd.d/).
  copper_out=$(copper_bounded "$copper_bin" --version 2>&1) || copper_out=$(copper_bounded "$copper_bin" --config-file=/dev/null --version 2>&1)
  printf '%s\\n' "$copper_out" | head -n 5
fi

copper_bin=$(copper_first_command slapd /usr/sbin/slapd /usr/libexec/slapd)
copper_section path:slapd
printf '%s\\n' "$copper_bin"
copper_section version:slapd
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" -VV; fi

copper_bin=$(copper_first_command redis-server valkey-server)
copper_section path:redis
printf '%s\\n' "$copper_bin"
copper_section version:redis
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" --version; fi

copper_bin=$(copper_first_command mariadbd mysqld /usr/libexec/mariadbd /usr/libexec/mysqld)
copper_section path:mariadb
printf '%s\\n' "$copper_bin"
copper_section version:mariadb
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" --version; fi
copper_bin=$(copper_first_command mariadb mysql)
copper_section client:mariadb
if [ -n "$copper_bin" ]; then printf '%s\\n' "$copper_bin"; copper_version "$copper_bin" --version; fi

copper_section path:webmail
for copper_dir in /usr/share/roundcube /var/lib/roundcube /usr/share/roundcubemail /usr/share/webapps/roundcube /var/www/roundcube /var/www/roundcubemail /var/www/html/roundcube /var/www/html/roundcubemail; do
  if [ -d "$copper_dir" ]; then printf 'roundcube %s\\n' "$copper_dir"; fi
done
for copper_dir in /usr/share/snappymail /usr/share/webapps/snappymail /var/www/snappymail /var/www/html/snappymail; do
  if [ -d "$copper_dir" ]; then printf 'snappymail %s\\n' "$copper_dir"; fi
done
copper_bin=$(copper_first_command sogod /usr/sbin/sogod /usr/local/sbin/sogod)
if [ -n "$copper_bin" ]; then printf 'sogo %s\\n' "$copper_bin"; fi
copper_section version:webmail
for copper_dir in /usr/share/roundcube /usr/share/roundcubemail /usr/share/webapps/roundcube /var/www/roundcube /var/www/roundcubemail /var/www/html/roundcube /var/www/html/roundcubemail; do
  if [ -f "$copper_dir/program/include/iniset.php" ]; then
    grep -o "RCMAIL_VERSION', *'[^']*'" "$copper_dir/program/include/iniset.php" 2>/dev/null | head -n 1 | sed 's/^/roundcube /'
  fi
done
for copper_dir in /usr/share/snappymail /usr/share/webapps/snappymail /var/www/snappymail /var/www/html/snappymail; do
  if [ -d "$copper_dir/snappymail/v" ]; then
    for copper_found in "$copper_dir"/snappymail/v/*; do
      if [ -d "$copper_found" ]; then printf 'snappymail %s\\n' "\${copper_found##*/}"; fi
    done
  fi
done

copper_bin=$(copper_first_command dockerd)
copper_section path:docker
printf '%s\\n' "$copper_bin"
copper_section version:docker
if [ -n "$copper_bin" ]; then copper_version "$copper_bin" --version; fi

copper_section end
exit 0
`;

/** The argv that runs the check: the script is one argument, so no quoting of it is ever needed. */
export const HOST_CHECK_ARGV: readonly string[] = ['sh', '-c', HOST_CHECK_SCRIPT];
