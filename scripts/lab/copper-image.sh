# shellcheck shell=bash
# Sourced by scripts/lab/up.sh once the lab dockerd answers (needs lib.sh and $DOCKER).
#
# copper-lab/copper:1.0.0: the lab's real Copper image (Debian bookworm minbase + Postfix, Dovecot IMAP, Rspamd, slapd,
# ldap-utils, procps), built without a registry: debootstrap into a directory, strip it, `docker import` it on the LAB engine.
# The provisioning tests `docker save` it into a signed bundle and push that to the STACK engine, so it is never
# loaded there by the lab. One image serves two services (scripts/lab/copper-image/copper-entry): `copper-entry
# openldap` and `copper-entry mail`, both on 127.0.0.1 ports the lab host does not use (3390, 3025, 3143, 3993, and
# Rspamd's 3332-3334).
#
# The stripped debootstrap root filesystem is cached as a tarball under LABDIR/copper-image/ (keyed by its recipe), so
# a rebuild after down.sh (or after a change to the entry script) skips debootstrap. The image carries the label
# copper.lab.image-spec: when it matches, nothing is done at all.

# Bump when the debootstrap/strip recipe changes (a new cached rootfs tarball is made).
COPPER_ROOTFS_RECIPE=3
# Bump when the import recipe (below) changes; changes to the files in scripts/lab/copper-image/ are noticed anyway.
COPPER_IMAGE_RECIPE=1
# rspamd: DKIM signing in the mail container (its milter); procps: pkill, which the console runs there to reload Rspamd.
COPPER_IMAGE_PKGS=(postfix dovecot-imapd rspamd procps slapd ldap-utils)
# Rspamd's user and group in the image, by number. Copper Console writes the DKIM keys on the host, owned by the numeric
# ids of Rspamd's user in the container (a bind mount knows no names). Debian numbers system users in install order
# (here _rspamd would be 100, which is messagebus on the lab host), so such a key would belong to an unrelated host
# user. A fixed id in the range Debian leaves unallocated on hosts (60000-64999, "globally allocated on demand") does
# not name anyone there.
COPPER_RSPAMD_ID=64333
COPPER_IMAGE_SUITE=bookworm
COPPER_IMAGE_MIRROR=${COPPER_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
COPPER_IMAGE_FILES="$LAB_SCRIPT_DIR/copper-image"

# copper_image_spec: the label value of an image made by the current recipe and files.
copper_rootfs_spec() {
  printf '%s\n' "rootfs $COPPER_ROOTFS_RECIPE" "$COPPER_IMAGE_SUITE" minbase "${COPPER_IMAGE_PKGS[@]}" "rspamd id $COPPER_RSPAMD_ID" | md5sum | cut -c1-16
}
copper_image_spec() {
  {
    printf '%s\n' "$(copper_rootfs_spec)" "image $COPPER_IMAGE_RECIPE" "$COPPER_IMAGE"
    (cd "$COPPER_IMAGE_FILES" && find . -type f | LC_ALL=C sort | xargs md5sum)
  } | md5sum | cut -c1-16
}

ensure_copper_image() {
  local ispec rspec tarball tmp t0=$EPOCHREALTIME
  ispec=$(copper_image_spec)
  if [[ $("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "copper.lab.image-spec"}}' "$COPPER_IMAGE" 2>/dev/null) == "$ispec" ]]; then
    log "docker: image $COPPER_IMAGE up to date"
    return 0
  fi
  rspec=$(copper_rootfs_spec)
  mkdir -p "$COPPER_IMAGE_DIR"
  chmod 700 "$COPPER_IMAGE_DIR"
  tarball="$COPPER_IMAGE_DIR/rootfs-$rspec.tar"
  if [[ -s $tarball ]]; then
    log "docker: building $COPPER_IMAGE from the cached root filesystem ${tarball#"$LAB"/}"
  else
    log "docker: building $COPPER_IMAGE: debootstrap $COPPER_IMAGE_SUITE + ${COPPER_IMAGE_PKGS[*]} (about a minute; log ${COPPER_IMAGE_LOG#"$LAB"/})"
    copper_rootfs_tarball "$tarball"
    # older recipes' tarballs
    find "$COPPER_IMAGE_DIR" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$rspec.tar" -delete
  fi
  # The image = the cached tarball + the files of scripts/lab/copper-image (appended to a copy of it).
  tmp="$COPPER_IMAGE_DIR/image.tar"
  cp --reflink=auto "$tarball" "$tmp"
  tar -rf "$tmp" -C "$COPPER_IMAGE_FILES" --numeric-owner --owner=0 --group=0 --mode=755 \
    --transform 's,^,./usr/local/bin/,' copper-entry
  "${DOCKER[@]}" import \
    --change 'CMD ["copper-entry","usage"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL copper.lab.image-spec=$ispec" \
    --change 'LABEL copper.lab=1' \
    --change 'LABEL org.opencontainers.image.title=copper' \
    --change "LABEL org.opencontainers.image.version=${COPPER_IMAGE##*:}" \
    --change 'LABEL org.opencontainers.image.description="Copper lab image: copper-entry openldap|mail|health"' \
    "$tmp" "$COPPER_IMAGE" >/dev/null || { rm -f "$tmp"; die "docker: import of $COPPER_IMAGE failed. Log: $DOCKER_LOG"; }
  rm -f "$tmp"
  # The image this build replaced is now untagged.
  "${DOCKER[@]}" image prune -f --filter label=copper.lab.image-spec >/dev/null 2>&1 || true
  log "docker: image $COPPER_IMAGE built in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s ($("${DOCKER[@]}" image inspect -f '{{.Size}}' "$COPPER_IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

# copper_rootfs_tarball OUT: debootstrap + strip into OUT (a tar with numeric owners). No service starts: debootstrap
# configures packages behind its own policy-rc.d (exit 101) and a fake start-stop-daemon.
copper_rootfs_tarball() {
  local out=$1 root="$COPPER_IMAGE_DIR/rootfs.tmp" f
  copper_rootfs_cleanup "$root"
  : >"$COPPER_IMAGE_LOG"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (it is in up.sh's PKGS)"
  if ! DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
    --include="$(IFS=,; echo "${COPPER_IMAGE_PKGS[*]}")" \
    "$COPPER_IMAGE_SUITE" "$root" "$COPPER_IMAGE_MIRROR" >>"$COPPER_IMAGE_LOG" 2>&1; then
    tail -n 20 "$COPPER_IMAGE_LOG" >&2
    copper_rootfs_cleanup "$root"
    die "debootstrap of the Copper image failed. Log: $COPPER_IMAGE_LOG"
  fi
  copper_rootfs_cleanup_mounts "$root"
  [[ ! -e $root/usr/sbin/policy-rc.d ]] || rm -f "$root/usr/sbin/policy-rc.d"
  # ---- strip: docs, man pages, locales, apt lists and caches, logs
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/log/*.log "$root"/var/log/apt/* \
    "$root"/debootstrap
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  # Keep apt and dpkg from putting docs back (if anyone ever installs something into a container).
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' >"$root/etc/dpkg/dpkg.cfg.d/copper-nodoc"
  # ---- slapd: Debian's default cn=config (dc=nodomain) and any database it made; copper-entry writes slapd.conf
  rm -rf "$root/etc/ldap/slapd.d" "$root"/var/lib/ldap/*
  # ---- Rspamd: its user and group get COPPER_RSPAMD_ID (see above), and what they owned follows
  local ruid rgid
  ruid=$(awk -F: '$1 == "_rspamd" { print $3 }' "$root/etc/passwd")
  rgid=$(awk -F: '$1 == "_rspamd" { print $3 }' "$root/etc/group")
  [[ $ruid =~ ^[0-9]+$ && $rgid =~ ^[0-9]+$ ]] || die "the Copper image has no _rspamd user and group (rspamd package)"
  sed -i -E "s/^(_rspamd:[^:]*:)$ruid:$rgid:/\1$COPPER_RSPAMD_ID:$COPPER_RSPAMD_ID:/" "$root/etc/passwd"
  sed -i -E "s/^(_rspamd:[^:]*:)$rgid:/\1$COPPER_RSPAMD_ID:/" "$root/etc/group"
  find "$root" -xdev -uid "$ruid" -exec chown -h "$COPPER_RSPAMD_ID" {} +
  find "$root" -xdev -gid "$rgid" -exec chgrp -h "$COPPER_RSPAMD_ID" {} +
  # ---- Postfix: the package's main.cf/master.cf, from which copper-entry starts at every container start
  install -d -m 755 "$root/usr/local/share/copper/postfix"
  for f in main.cf master.cf; do install -m 644 "$root/etc/postfix/$f" "$root/usr/local/share/copper/postfix/$f"; done
  : >"$root/etc/hostname"
  tar -C "$root" --numeric-owner -cf "$out.tmp" . || die "could not write $out.tmp"
  mv -f "$out.tmp" "$out"
  copper_rootfs_cleanup "$root"
  log "docker: cached the Copper root filesystem ($(du -m "$out" | cut -f1) MB) as ${out#"$LAB"/}"
}

copper_rootfs_cleanup_mounts() { # anything debootstrap left mounted below ROOT (after a failure or an interruption)
  local m
  while read -r m; do
    [[ -n $m ]] && umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$1/" | sort -r || true)
}
copper_rootfs_cleanup() {
  [[ -e $1 ]] || return 0
  copper_rootfs_cleanup_mounts "$1"
  rm -rf --one-file-system "$1"
}
