# shellcheck shell=bash
# Sourced by scripts/lab/up.sh once dockerd answers and the host's Postfix runs (needs lib.sh and $DOCKER).
#
# copper-lab-postfix: a long-running container in which `postqueue`, `postsuper`, `postcat`, `postconf`, `postfix`
# and `sendmail` operate on the host's ONE Postfix, the way the console's docker mode reaches a containerised Postfix
# (Docker Engine API exec). Nothing of Postfix is copied: the image is busybox plus the host's user/group IDs for
# Postfix; the host's binaries and libraries are bind-mounted read-only, /etc/postfix read-only, the queue
# (/var/spool/postfix) and /var/lib/postfix read-write. postqueue reaches showq through the bind-mounted
# public/showq socket, so it needs the host's Postfix running. `--pid host` lets `postfix status` (and stop/reload)
# see the host's master process; network none (Postfix commands use only unix sockets and the maildrop).
# The image tag is the host's Postfix version (docker-components.ts reads the version from the tag), and the
# label copper.components=postfix marks it as Postfix.

# Bump when the recipe below changes: an image or container made by another recipe is replaced.
POSTFIX_CONTAINER_RECIPE=1

ensure_postfix_container() {
  local name=$DOCKER_POSTFIX_CONTAINER image version owner setgid passwd group ispec cspec cur rootfs d p t0=$EPOCHREALTIME
  local -a pc=() ro=() rw=() links=() mounts=() run_opts=()
  mapfile -t pc < <(postconf -h mail_version mail_owner setgid_group command_directory daemon_directory \
    shlib_directory config_directory meta_directory queue_directory data_directory maillog_file 2>/dev/null)
  ((${#pc[@]} == 11)) || die "postfix container: postconf did not print the 11 parameters asked for"
  version=${pc[0]} owner=${pc[1]} setgid=${pc[2]}
  image="$DOCKER_POSTFIX_REPO:$version"
  getent passwd "$owner" >/dev/null || die "postfix container: no user $owner (mail_owner) on this host"
  # The container's user database carries the host's IDs for Postfix's owner and setgid group (postsuper and
  # postqueue refuse to run without them, and the queue files are owned by them).
  passwd=$(printf 'root:x:0:0:root:/root:/bin/sh\n%s\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    "$(getent passwd "$owner")")
  group=$(printf 'root:x:0:\n%s\n%s\nnogroup:x:65534:\n' "$(getent group "$(id -gn "$owner")")" "$(getent group "$setgid")")

  # Top-level /lib, /lib64, /sbin: the same symlink as on the host (merged /usr), or a read-only bind mount.
  for d in /lib /lib64 /lib32 /libx32 /sbin; do
    if [[ -L $d ]]; then links+=("$d=$(readlink "$d")")
    elif [[ -d $d ]]; then ro+=("$d"); fi
  done
  # /usr/lib holds the daemons and libpostfix-* (/usr/lib/postfix) and every shared library; /usr/lib64 the loader.
  for p in /usr/lib /usr/lib64 "${pc[@]:3:5}" /etc/mailname /etc/localtime; do
    [[ -n $p && -e $p && $p == /* ]] && ! pf_path_under "$p" "${ro[@]}" && ro+=("$p")
  done
  for p in "${pc[8]}" "${pc[9]}"; do
    [[ -d $p ]] || die "postfix container: $p does not exist"
    rw+=("$p")
  done
  # maillog_file's directory: while postlogd is down (Postfix stopped), commands write the log file themselves,
  # and postsuper dies ("fatal: open logfile ...") after its first queue ID when it cannot.
  p=${pc[10]}
  if [[ $p == /* && $p != /dev/* ]]; then
    p=$(dirname "$p")
    [[ -d $p ]] && ! pf_path_under "$p" "${rw[@]}" && rw+=("$p")
  fi
  for p in "${ro[@]}"; do mounts+=(--mount "type=bind,source=$p,target=$p,readonly"); done
  for p in "${rw[@]}"; do mounts+=(--mount "type=bind,source=$p,target=$p"); done

  ispec=$(printf '%s\n' "recipe $POSTFIX_CONTAINER_RECIPE" "$passwd" "$group" "${links[@]}" "${ro[@]}" "${rw[@]}" |
    md5sum | cut -c1-16)
  run_opts=(--network none --pid host --restart unless-stopped --stop-timeout 2
    --label copper.lab=1 --label copper.components=postfix "${mounts[@]}")
  cspec=$(printf '%s\n' "$ispec" "$image" "${run_opts[@]}" | md5sum | cut -c1-16)

  # ---- image (about 2 MB: busybox; everything else is mounted)
  local built=0
  if [[ $("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "copper.lab.image-spec"}}' "$image" 2>/dev/null) != "$ispec" ]]; then
    log "docker: building $image (busybox + host Postfix IDs; Postfix itself is bind-mounted)"
    rootfs="$DOCKERDIR/postfix-rootfs"
    lab_busybox_rootfs "$rootfs"
    printf '%s\n' "$passwd" >"$rootfs/etc/passwd"
    printf '%s\n' "$group" >"$rootfs/etc/group"
    for p in "${links[@]}"; do ln -sfn "${p#*=}" "$rootfs${p%%=*}"; done
    for p in "${ro[@]}" "${rw[@]}"; do # mount points
      if [[ -d $p ]]; then mkdir -p "$rootfs$p"; else mkdir -p "$rootfs$(dirname "$p")" && touch "$rootfs$p"; fi
    done
    tar -C "$rootfs" --owner=0 --group=0 -c . | "${DOCKER[@]}" import \
      --change 'CMD ["/bin/sleep","infinity"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'LABEL copper.components=postfix' --change "LABEL copper.lab.image-spec=$ispec" \
      --change "LABEL org.opencontainers.image.title=postfix" --change "LABEL org.opencontainers.image.version=$version" \
      - "$image" >/dev/null
    rm -rf "$rootfs"
    built=1
  fi

  # ---- container
  cur=$("${DOCKER[@]}" container inspect -f '{{.State.Running}} {{index .Config.Labels "copper.lab.container-spec"}}' \
    "$name" 2>/dev/null) || cur=missing
  if [[ $cur != missing && ${cur#* } != "$cspec" ]]; then
    log "docker: container $name was made by another recipe or for another Postfix, replacing it"
    "${DOCKER[@]}" rm -f "$name" >/dev/null
    cur=missing
  fi
  case ${cur%% *} in
    true)
      log "docker: container $name already running"
      return 0
      ;;
    false)
      "${DOCKER[@]}" start "$name" >/dev/null 9>&-
      log "docker: container $name started"
      ;;
    *)
      "${DOCKER[@]}" run -d --name "$name" "${run_opts[@]}" --label "copper.lab.container-spec=$cspec" \
        "$image" >/dev/null 9>&-
      log "docker: container $name created ($image)"
      ;;
  esac
  if ((built)); then # earlier builds: other versions' tags, and images the new build untagged
    "${DOCKER[@]}" images --format '{{.Repository}}:{{.Tag}}' "$DOCKER_POSTFIX_REPO" | grep -vxF "$image" |
      xargs -r "${DOCKER[@]}" rmi >/dev/null 2>&1 || true
    "${DOCKER[@]}" image prune -f --filter label=copper.lab.image-spec >/dev/null 2>&1 || true
  fi
  # Ready when the host's binaries run inside, see the host's config and IDs, and the showq socket is there.
  wait_until "docker container $name (postconf/showq inside)" "$DOCKER_LOG" 15 \
    pf_container_ready "$name" "$owner" "$version $(id -u "$owner") ok"
  log "docker: container $name ready in $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"
}

# pf_container_ready CONTAINER OWNER EXPECTED: postconf, the owner's UID and the showq socket, seen from inside.
pf_container_ready() {
  [[ $("${DOCKER[@]}" exec "$1" sh -c 'postconf -h mail_version && id -u "$1" &&
    test -S "$(postconf -h queue_directory)/public/showq" && echo ok' sh "$2" 2>/dev/null | tr '\n' ' ') == "$3 " ]]
}

# pf_path_under PATH DIR...: is PATH one of the DIRs or inside one?
pf_path_under() {
  local p=$1 m
  shift
  for m in "$@"; do [[ $p == "$m" || $p == "$m"/* ]] && return 0; done
  return 1
}
