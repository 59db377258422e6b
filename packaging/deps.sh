#!/bin/sh
# Installs what building (deps.sh build) or testing (deps.sh test) the kiosk
# needs on a Debian-family system (Debian, Ubuntu, UOS, Kylin), but only what
# is missing, so a second `make run` starts at once.
set -eu

build_pkgs="gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev"
package_pkgs="gcc-mingw-w64-x86-64 wine wine64 gcc-aarch64-linux-gnu binutils qemu-user-static debootstrap curl file zip unzip xz-utils dpkg-dev lintian desktop-file-utils"
# tesseract-ocr-chi-sim: the normalised photos must stay as legible as the
# camera's (app/photo's TestNormalizedStaysLegible).
# postgresql: the county store's contract tests start a server of their own
# (sync/countyd/county/pgtest); the package's own cluster is not used.
test_pkgs="poppler-utils qpdf zbar-tools xvfb xauth imagemagick xdotool cups cups-bsd printer-driver-cups-pdf espeak-ng chromium fonts-wqy-microhei postgresql tesseract-ocr tesseract-ocr-chi-sim"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
package) want="$build_pkgs $package_pkgs" ;;
*) echo "usage: $0 build|test|package" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "These packages are missing and this system has no apt-get:$missing" >&2
		echo "Install their equivalents by hand, then run make again." >&2
		exit 1
	fi
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
			echo "Installing$missing needs root; run as root or install sudo." >&2
			exit 1
		fi
	fi
	echo "Installing:$missing"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

# Go: go.mod asks for 1.26.11 (the standard library's security fixes); any Go
# from 1.21 on fetches that toolchain itself from the module proxy
# (GOTOOLCHAIN=auto, which the Makefile sets unless the environment says
# otherwise). Older or no Go cannot.
if ! command -v go >/dev/null 2>&1; then
	echo "Go is not installed. Install Go 1.21 or newer (https://go.dev/doc/install, or apt-get install golang-go on" >&2
	echo "Ubuntu 24.04 / Debian 13), then run make again; the right Go version is fetched automatically." >&2
	exit 1
fi
minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -n "$minor" ] && [ "$minor" -lt 21 ]; then
	echo "Go $(go env GOVERSION) is too old to fetch the toolchain go.mod needs; install Go 1.21 or newer." >&2
	exit 1
fi

# Packaging also needs the fyne tool (desktop entry, icon, Windows metadata).
if [ "${1:-build}" = package ] && ! command -v fyne >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/fyne" ]; then
	echo "Installing the fyne packaging tool"
	go install fyne.io/tools/cmd/fyne@v1.7.4
fi
