#!/bin/sh
# Builds the installers into dist/ (make package):
#   yichuang_<version>_amd64.deb   the kiosk for Debian, UOS and Kylin
#   countyd_<version>_amd64.deb    the county center, a systemd service
#   yichuang_<version>_arm64.deb, countyd_<version>_arm64.deb   the same for arm64
#   yichuang-<version>-windows-amd64.zip   the kiosk for Windows, with its shortcuts
# The version is the one in app/FyneApp.toml; VERSION overrides it (the
# upgrade test builds N+1 this way). Needs: go, fyne (fyne.io/tools),
# dpkg-deb, dpkg-shlibdeps, x86_64-w64-mingw32-gcc, zip; packaging/deps.sh package installs them.
set -eu
cd "$(dirname "$0")/.."

GO=${GO:-go}
TAGS=sqlite_fts5,no_emoji
VERSION=${VERSION:-$(sed -n 's/^Version *= *"\(.*\)"/\1/p' app/FyneApp.toml)}
BUILD=$(sed -n 's/^Build *= *\([0-9]*\)/\1/p' app/FyneApp.toml)
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
FYNE=${FYNE:-$(command -v fyne || echo "$($GO env GOPATH)/bin/fyne")}
ONLY=${ONLY:-linux arm64 windows}
DIST=dist
ICON=$(pwd)/assets/icon.png
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DIST"

# A version given from outside (VERSION=0.6.1) must reach the binary too:
# it reads FyneApp.toml, so build from a copy of the app with that version.
APPDIR=app
if [ "$VERSION" != "$(sed -n 's/^Version *= *"\(.*\)"/\1/p' app/FyneApp.toml)" ]; then
	APPDIR=app/.pkg-app
	rm -rf "$APPDIR" && mkdir -p "$APPDIR"
	trap 'rm -rf "$WORK" "$APPDIR"' EXIT
	cp app/*.go "$APPDIR"/ && rm -f "$APPDIR"/*_test.go
	sed "s/^Version *= *\".*\"/Version = \"$VERSION\"/" app/FyneApp.toml >"$APPDIR/FyneApp.toml"
fi

# fyne package counts the build number up in FyneApp.toml on every run;
# a release build must not change the source tree, so it is put back.
fyne_package() {
	cp "$APPDIR/FyneApp.toml" "$WORK/FyneApp.toml.keep"
	(cd "$APPDIR" && "$@") || { cp "$WORK/FyneApp.toml.keep" "$APPDIR/FyneApp.toml"; return 1; }
	cp "$WORK/FyneApp.toml.keep" "$APPDIR/FyneApp.toml"
}

deb() { # name, root dir
	chmod -R go-w "$2"
	dpkg-deb --root-owner-group --build "$2" "$DIST/$1_${VERSION}_${ARCH}.deb" >/dev/null
	echo "built $DIST/$1_${VERSION}_${ARCH}.deb"
}

# Release builds everywhere: no build paths in the binary (-trimpath) and,
# on Linux, position-independent executables (Debian's hardening default).
RELEASE="-trimpath -buildmode=pie"

# GLFW opens these with dlopen at run time, so dpkg-shlibdeps cannot see
# them in the binary's dynamic section; they are listed by hand.
KIOSK_DLOPEN="libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libxkbcommon0"

# shlibdeps prints the Depends of a binary's shared libraries as
# dpkg-shlibdeps computes them, but with libc6's version from the symbol
# versions the binary asks for: the build machine's symbols file raises
# some symbols' minimum to its own release (sysconf to 2.34, for constants
# only its headers define), while these binaries were compiled against
# bullseye's headers, so the versions they were linked with are the truth.
shlibdeps() {
	d="$WORK/shlibdeps"
	rm -rf "$d" && mkdir -p "$d/debian"
	printf 'Source: yichuang\n\nPackage: yichuang\nArchitecture: any\n' >"$d/debian/control"
	cp "$1" "$d/bin"
	(cd "$d" && dpkg-shlibdeps -O -e bin 2>/dev/null) | sed -n 's/^shlibs:Depends=//p' |
		sed "s/libc6 ([^)]*)/libc6 (>= $(glibc_needed "$1"))/"
}

# icon_size is a PNG's width (its IHDR), which names its hicolor directory.
icon_size() {
	od -An -t u1 -j 16 -N 4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}'
}

# docs installs a package's copyright (every linked module's licence, read
# from the binary by packaging/notices), its changelog and its man page.
docs() { # package, root, binary
	d="$2/usr/share/doc/$1"
	mkdir -p "$d"
	# notices runs here, whatever the architecture being built.
	env -u CC GOARCH="$($GO env GOHOSTARCH)" CGO_ENABLED=0 $GO run ./packaging/notices -bin "$3" -format deb >"$d/copyright"
	changelog | gzip -9n >"$d/changelog.gz"
	gzip -9n <"packaging/linux/$1.1" >"$2/usr/share/man/man1/$1.1.gz"
	chmod 0644 "$d/copyright" "$d/changelog.gz" "$2/usr/share/man/man1/$1.1.gz"
}

# scripts installs a package's maintainer scripts (packaging/linux/debian).
scripts() { # package, root
	for f in packaging/linux/debian/"$1".*; do
		install -m 0755 "$f" "$2/DEBIAN/${f##*.}"
	done
}

# changelog is packaging/changelog, with an entry for $VERSION on top when
# it is not the newest there (a local or test build of another version).
changelog() {
	top=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' packaging/changelog)
	if [ "$top" != "$VERSION" ]; then
		printf 'yichuang (%s) stable; urgency=medium\n\n  * Build %s of commit %s.\n\n -- Yichuang team <yichuang@example.gov.cn>  %s\n\n' \
			"$VERSION" "$BUILD" "$COMMIT" "$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
	fi
	cat packaging/changelog
}

# The oldest glibc the Linux packages run on: Kylin V10's 2.31 (UOS 20
# has 2.28: what the binaries really need is printed below). The C code is
# linked against Debian 11's C library (packaging/sysroot.sh), so the
# binaries ask only for the symbol versions they use.
GLIBC_MAX=2.31

# glibc_needed prints the newest GLIBC_x.y symbol version a binary asks for.
glibc_needed() {
	readelf -W -V "$1" | sed -n 's/.*Name: GLIBC_\([0-9.]*\).*/\1/p' | sort -uV | tail -n1
}

# check_glibc fails the build when a binary needs a newer glibc than
# GLIBC_MAX.
check_glibc() {
	need=$(glibc_needed "$1")
	newest=$(printf '%s\n%s\n' "$need" "$GLIBC_MAX" | sort -V | tail -n1)
	if [ "$newest" != "$GLIBC_MAX" ]; then
		echo "$1 needs glibc $need, newer than $GLIBC_MAX" >&2
		exit 1
	fi
	echo "$(basename "$1") needs glibc $need or newer"
}

# linux_env sets the C compiler and pkg-config up for the bullseye sysroot
# of an architecture.
linux_env() { # arch, compiler
	flags=$(./packaging/sysroot.sh flags "$1")
	root=$(./packaging/sysroot.sh path "$1")
	export CC="$2 $flags -include $(pwd)/packaging/linux/glibc-compat.h" CGO_ENABLED=1
	export PKG_CONFIG_SYSROOT_DIR="$root"
	export PKG_CONFIG_LIBDIR="$root/usr/lib/$($2 -dumpmachine)/pkgconfig:$root/usr/share/pkgconfig"
}

# linux builds the kiosk and countyd packages for one architecture.
linux() { # arch (amd64, arm64), C compiler
	ARCH=$1
	B="$WORK/$ARCH"
	mkdir -p "$B"
	(
	linux_env "$ARCH" "$2"
	export GOARCH="$ARCH"
	# The kiosk: a release build (Fyne's release tag, no symbol tables, no
	# build paths, position-independent), its desktop entry and icon.
	# X11 only (Fyne's x11 tag): GLFW's Wayland code needs libwayland 1.20, newer
	# than UOS 20 and Kylin V10 have, and links it directly, so a kiosk built
	# with it would not start there at all; Wayland desktops run it through
	# XWayland.
	$GO build $RELEASE -buildvcs=true -tags "$TAGS,release,x11" -ldflags "-s -w" -o "$B/yichuang" "./$APPDIR"
	check_glibc "$B/yichuang"

	R="$B/deb-kiosk"
	size=$(icon_size "$ICON")
	mkdir -p "$R/DEBIAN" "$R/usr/bin" "$R/usr/share/applications" "$R/usr/share/icons/hicolor/${size}x${size}/apps" \
		"$R/usr/lib/systemd/user" "$R/etc/xdg/autostart" "$R/etc/default" "$R/usr/share/doc/yichuang" \
		"$R/usr/libexec/yichuang" "$R/usr/share/man/man1"
	install -m 0755 "$B/yichuang" "$R/usr/bin/yichuang"
	install -m 0644 packaging/linux/cn.yichuang.kiosk.desktop "$R/usr/share/applications/cn.yichuang.kiosk.desktop"
	install -m 0644 "$ICON" "$R/usr/share/icons/hicolor/${size}x${size}/apps/cn.yichuang.kiosk.png"
	install -m 0755 packaging/linux/yichuang-autostart "$R/usr/libexec/yichuang/yichuang-autostart"
	# The release public key the kiosk checks county updates against
	# (docs/updates.md): pinned by the package, never by anything
	# downloaded. A build without one makes a kiosk that takes no updates.
	if [ -n "${YICHUANG_UPDATE_KEY:-}" ]; then
		mkdir -p "$R/usr/share/yichuang"
		install -m 0644 "$YICHUANG_UPDATE_KEY" "$R/usr/share/yichuang/update-key.pub"
	fi
	docs yichuang "$R" "$B/yichuang"
	install -m 0644 packaging/linux/yichuang-kiosk.service "$R/usr/lib/systemd/user/yichuang-kiosk.service"
	# A conffile under a name 0.7.0 did not use: its plain file of the old name
	# goes with the upgrade, and dpkg does not stop to ask whose it is.
	install -m 0644 packaging/linux/cn.yichuang.kiosk-autostart.desktop "$R/etc/xdg/autostart/cn.yichuang.kiosk-autostart.desktop"
	install -m 0644 packaging/linux/yichuang.default "$R/etc/default/yichuang"
	printf '%s\n' /etc/default/yichuang /etc/xdg/autostart/cn.yichuang.kiosk-autostart.desktop >"$R/DEBIAN/conffiles"
	cat >"$R/DEBIAN/control" <<EOF
Package: yichuang
Version: $VERSION
Architecture: $ARCH
Maintainer: Yichuang team <yichuang@example.gov.cn>
Depends: $(depends "$B/yichuang"), $KIOSK_DLOPEN, cups-client
Recommends: espeak-ng, printer-driver-cups-pdf, poppler-utils
Section: misc
Priority: optional
Description: 一窗 Yichuang — service hall kiosk
 Offline-first kiosk for township and village service halls: queue and
 hall display, 24-hour self-service, counter intake with printed receipts,
 village agents, and sync with the county center.
 Build $COMMIT.
EOF
	scripts yichuang "$R"
	deb yichuang "$R"

	# The county center.
	$GO build $RELEASE -tags "$TAGS" -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT" -o "$B/countyd" ./sync/countyd
	check_glibc "$B/countyd"
	R="$B/deb-countyd"
	mkdir -p "$R/DEBIAN" "$R/usr/bin" "$R/usr/lib/systemd/system" "$R/etc/default" "$R/usr/share/doc/countyd" "$R/usr/share/man/man1"
	install -m 0755 "$B/countyd" "$R/usr/bin/countyd"
	docs countyd "$R" "$B/countyd"
	install -m 0644 packaging/linux/countyd.service "$R/usr/lib/systemd/system/countyd.service"
	install -m 0644 packaging/linux/countyd-backup.service "$R/usr/lib/systemd/system/countyd-backup.service"
	install -m 0644 packaging/linux/countyd-backup.timer "$R/usr/lib/systemd/system/countyd-backup.timer"
	install -m 0644 packaging/linux/countyd.default "$R/etc/default/countyd"
	mkdir -p "$R/usr/share/doc/countyd/prometheus"
	install -m 0644 packaging/prometheus/*.yml "$R/usr/share/doc/countyd/prometheus/"
	echo "/etc/default/countyd" >"$R/DEBIAN/conffiles"
	cat >"$R/DEBIAN/control" <<EOF
Package: countyd
Source: yichuang
Version: $VERSION
Architecture: $ARCH
Maintainer: Yichuang team <yichuang@example.gov.cn>
Depends: $(depends "$B/countyd"), adduser, init-system-helpers (>= 1.54~)
Section: net
Priority: optional
Description: 一窗 county center — sync API and back office
 Receives the halls' cases exactly once, sends the county's decisions,
 catalogs and holidays back, and serves the back office pages.
 Build $COMMIT.
EOF
	scripts countyd "$R"
	deb countyd "$R"
	)
}

# depends is a binary's Depends. dpkg-shlibdeps reads the build machine's
# package database, which has amd64 libraries only; the libraries of the
# other architectures come from packages of the same names (multiarch), so
# their list is the amd64 one with libc6's version from the binary itself.
depends() {
	if [ "$ARCH" = amd64 ]; then
		shlibdeps "$1"
	else
		shlibdeps "$WORK/amd64/$(basename "$1")" | sed "s/libc6 ([^)]*)/libc6 (>= $(glibc_needed "$1"))/"
	fi
}

if echo "$ONLY" | grep -q linux; then
	linux amd64 gcc
fi
# arm64 (Phytium, Kunpeng desktops): cross-built against the arm64
# sysroot; make package-test runs the binaries under qemu-aarch64.
if echo "$ONLY" | grep -q arm64; then
	echo "$ONLY" | grep -q linux || { echo "arm64 packages need the amd64 ones built first (ONLY=\"linux arm64\")" >&2; exit 2; }
	linux arm64 aarch64-linux-gnu-gcc
fi

if echo "$ONLY" | grep -q windows; then
	# The kiosk for Windows: cgo through mingw-w64 (GLFW and SQLite are C);
	# fyne package embeds the icon and the version metadata.
	(
		unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
		export GOFLAGS="-buildvcs=true -trimpath" CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1
		fyne_package "$FYNE" package --os windows --name Yichuang --icon "$ICON" --app-id cn.yichuang.kiosk \
			--app-version "$VERSION" --app-build "$BUILD" --tags "$TAGS" --release
	)
	W="$WORK/win/Yichuang"
	mkdir -p "$W"
	mv "$APPDIR/Yichuang.exe" "$W/Yichuang.exe"
	cp packaging/windows/install.cmd packaging/windows/uninstall.cmd packaging/windows/README.txt "$W/"
	cp assets/fonts/COPYRIGHT-wqy-microhei.txt "$W/"
	# The county's release key, pinned at install as on Linux (docs/updates.md).
	if [ -n "${YICHUANG_UPDATE_KEY:-}" ]; then
		cp "$YICHUANG_UPDATE_KEY" "$W/update-key.pub"
	fi
	# Notepad on an older Windows wants CRLF lines.
	sed 's/$/\r/' LICENSE >"$W/LICENSE.txt"
	$GO run ./packaging/notices -bin "$W/Yichuang.exe" -format text >"$W/THIRD-PARTY-NOTICES.txt"
	(cd "$WORK/win" && zip -qr "$OLDPWD/$DIST/yichuang-${VERSION}-windows-amd64.zip" Yichuang)
	echo "built $DIST/yichuang-${VERSION}-windows-amd64.zip"
fi
