#!/usr/bin/env bash
# The base image the container tests build on, made from the Debian archive because no image registry need be
# reachable: debootstrap --variant=minbase bookworm (essential packages + apt), trimmed as Debian's "slim" images
# are (no documentation, man pages, locales or apt lists), imported into podman's storage as IMAGE.
# The Dockerfiles' default base, debian:bookworm-slim, is the same distribution release made the same way, so an
# image built here holds what a Docker user's does. Nothing is done when IMAGE exists already.
#
#   src/test/container/debian-base.sh [IMAGE]      default localhost/melanoma-base:bookworm
#   DEBIAN_MIRROR=http://deb.debian.org/debian     the archive to bootstrap from
set -euo pipefail
IMAGE=${1:-localhost/melanoma-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if podman image exists "$IMAGE"; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/melanoma-base.XXXXXX")
trap 'rm -rf "$ROOTFS"' EXIT
echo "bootstrapping Debian bookworm (minbase) from $MIRROR into $IMAGE" >&2
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 \
  || { tail -20 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"
# as in Debian's slim images: later apt-get installs leave out documentation too
cat > "$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
cat > "$ROOTFS/etc/apt/apt.conf.d/slim" <<'APT'
APT::Install-Recommends "false";
Acquire::Languages "none";
APT
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/var/lib/apt/lists/* \
  "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/log/*.log
printf "deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n" "$MIRROR" "$MIRROR" "$MIRROR" > "$ROOTFS/etc/apt/sources.list"
tar --numeric-owner -C "$ROOTFS" -c . | podman import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "$IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes" >&2
