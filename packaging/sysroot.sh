#!/bin/sh
# Prints the path of a Debian 11 (bullseye, glibc 2.31) sysroot for ARCH
# (amd64 or arm64), making it first if it is not there yet:
#
#   CC="gcc $(packaging/sysroot.sh flags amd64)" go build …
#   packaging/sysroot.sh path arm64
#
# Why: a binary linked on Debian 12 asks for the glibc it was linked
# against (2.34 and later symbol versions), so it does not start on UOS 20
# or Kylin V10. Linked against bullseye's C library instead, it asks only
# for the symbol versions it really uses, and runs on every system with
# glibc 2.31 or newer (dpkg-shlibdeps then computes the exact minimum).
#
# The sysroot holds only headers and libraries to link against: the
# packages are downloaded and unpacked by debootstrap's first stage from
# Debian's own archive (checked against its keyring), never configured or
# run. Absolute symbolic links are made relative so they resolve inside the
# sysroot, not on the build machine. It is made once, in
# $YICHUANG_SYSROOT_CACHE (default /var/cache/yichuang), and reused.
set -eu

what=${1:?usage: sysroot.sh path|flags ARCH}
arch=${2:?usage: sysroot.sh path|flags ARCH}
suite=bullseye
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${YICHUANG_SYSROOT_CACHE:-/var/cache/yichuang}
dir="$cache/sysroot-$suite-$arch"
case "$arch" in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
*) echo "sysroot.sh: no sysroot for $arch" >&2; exit 2 ;;
esac
# What the kiosk and countyd link: the C library and the X11/GL/Wayland
# development files GLFW needs (the same list as deps.sh build_pkgs).
pkgs=libc6-dev,libgl1-mesa-dev,libx11-dev,libxcursor-dev,libxrandr-dev,libxinerama-dev,libxi-dev,libxxf86vm-dev,libwayland-dev,libxkbcommon-dev

if [ ! -f "$dir/.complete" ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	if ! command -v debootstrap >/dev/null 2>&1; then
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
	fi
	tmp="$dir.tmp"
	$sudo rm -rf "$tmp"
	$sudo mkdir -p "$cache"
	echo "Making the $suite sysroot for $arch in $dir (once)…" >&2
	$sudo debootstrap --foreign --variant=minbase --arch="$arch" --include="$pkgs" "$suite" "$tmp" "$mirror" >&2
	# The first stage unpacks only the base; the rest waits as .deb files.
	for deb in "$tmp"/var/cache/apt/archives/*.deb; do
		$sudo dpkg-deb -x "$deb" "$tmp"
	done
	$sudo find "$tmp" -type l -lname '/*' | while read -r link; do
		target=$(readlink "$link")
		case "$target" in /proc/* | /dev/*) continue ;; esac
		$sudo ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$tmp$target")" "$link"
	done
	$sudo rm -rf "$tmp"/var/cache/apt/archives/*.deb
	$sudo touch "$tmp/.complete"
	$sudo rm -rf "$dir"
	$sudo mv "$tmp" "$dir"
fi

case "$what" in
path) echo "$dir" ;;
# gcc looks in its own directories before the sysroot's, so the sysroot's
# start files and libraries are named first.
flags)
	f="--sysroot=$dir -B$dir/usr/lib/$triplet -L$dir/usr/lib/$triplet -L$dir/lib/$triplet"
	# Debian's cross compilers also search /usr/<triplet>/include (the
	# build machine's cross C library, glibc 2.36, not under the sysroot)
	# before the sysroot's headers, so those are named first too.
	[ "$arch" = amd64 ] || f="$f -isystem $dir/usr/include/$triplet -isystem $dir/usr/include"
	echo "$f"
	;;
*) echo "usage: sysroot.sh path|flags ARCH" >&2; exit 2 ;;
esac
