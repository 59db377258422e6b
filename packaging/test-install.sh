#!/bin/sh
# Installs the built packages on this machine as a township would, checks
# them headless, then installs a newer build over the kiosk with cases in
# its data directory and checks the cases are still there (make package-test).
set -eu
cd "$(dirname "$0")/.."
V=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' app/FyneApp.toml)
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
install_deb() {
	$sudo dpkg -i "$1" || { $sudo env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq && $sudo dpkg -i "$1"; }
}
fail() { echo "package test FAILED: $*" >&2; exit 1; }

echo "== package checks $V"
# lintian: no errors. The warnings kept are explained in docs/packaging.md
# (maintainer-script-calls-systemctl: the kiosk's unit is a user unit, which
# the deb-systemd-helper of UOS 20 and Kylin V10 cannot enable).
for deb in "dist/yichuang_${V}_amd64.deb" "dist/countyd_${V}_amd64.deb"; do
	out=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" || true)
	echo "$out"
	echo "$out" | grep -q '^E: ' && fail "lintian reports errors in $deb"
	# Each package carries the project's licence and the copyright
	# of what it links.
	contents=$(dpkg-deb -c "$deb")
	echo "$contents" | grep -q "/usr/share/doc/.*/copyright$" || fail "$deb has no copyright file"
done
# The Windows scripts are ASCII with CRLF: cmd.exe reads them in the
# console's code page (936 on a Chinese Windows).
ZIP="dist/yichuang-${V}-windows-amd64.zip"
if [ -f "$ZIP" ]; then
	Z=$(mktemp -d)
	unzip -q "$ZIP" -d "$Z"
	for f in "$Z"/Yichuang/*.cmd; do
		LC_ALL=C grep -q '[^[:print:][:space:]]' "$f" && fail "$(basename "$f") is not ASCII"
		[ "$(grep -c "$(printf '\r')$" "$f")" = "$(wc -l <"$f")" ] || fail "$(basename "$f") has lines without CRLF"
	done
	for f in LICENSE.txt THIRD-PARTY-NOTICES.txt; do
		test -s "$Z/Yichuang/$f" || fail "the Windows zip has no $f"
	done
	rm -rf "$Z"
fi

echo "== Windows $V under Wine"
# Debian 12's Wine 8.0 lacks ProcessPrng, which Go's runtime needs: a
# stand-in bcryptprimitives.dll (packaging/windows/wine, for this test
# alone, never shipped) goes into the test's own Wine prefix.
W=$(mktemp -d)
unzip -q "$ZIP" -d "$W"
wine64=$(command -v wine64 || echo /usr/lib/wine/wine64)
export WINEPREFIX="$W/prefix" WINEDEBUG=-all
timeout 300 "$wine64" wineboot -i >/dev/null 2>&1 || fail "wineboot"
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	packaging/windows/wine/bcryptprimitives.c packaging/windows/wine/bcryptprimitives.def -ladvapi32
exe="$W/Yichuang/Yichuang.exe"
timeout 120 "$wine64" "$exe" -version | grep -q "yichuang $V" || fail "Yichuang.exe -version under Wine: $(timeout 120 "$wine64" "$exe" -version 2>&1 | tail -n3)"
out=$(timeout 300 "$wine64" "$exe" -self-check 2>&1) || { printf '%s\n' "$out"; fail "Yichuang.exe -self-check under Wine"; }
printf '%s\n' "$out"
# The Windows print path (PowerShell's print verb) runs and its failure is
# named in the clerk's words: this Wine has no PowerShell, so the test page
# must come back as "no print command", not as a crash or a hang.
out=$(timeout 120 "$wine64" "$exe" -print-test 2>&1) && fail "the test page printed under Wine, which has no PowerShell: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q "(no-command)" || fail "Yichuang.exe -print-test under Wine: want the no-command problem, got: $out"
# The ID-card reader's Windows driver (LoadLibrary + syscall, no cgo) on the
# SDT simulator built as DLLs with mingw: the driver's own tests, run as a
# Windows test binary.
x86_64-w64-mingw32-gcc -Wall -Werror -O2 -shared -o "$W/sdtsim.dll" app/idcard/sdt/sdttest/testdata/sdtsim.c
x86_64-w64-mingw32-gcc -Wall -Werror -O2 -shared -o "$W/wltsim.dll" app/idcard/sdt/sdttest/testdata/wltsim.c
env -u CC GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "${GO:-go}" test -c -o "$W/sdt.test.exe" ./app/idcard/sdt/
out=$(SDTSIM_PREBUILT="$(winepath -w "$W" 2>/dev/null)" timeout 300 "$wine64" "$W/sdt.test.exe" -test.v 2>&1) || { printf '%s\n' "$out"; fail "the ID-card reader's Windows driver under Wine"; }
printf '%s\n' "$out" | grep -q -- "--- PASS: TestReaderStates" || { printf '%s\n' "$out"; fail "the ID-card reader's Windows driver under Wine: its tests did not run"; }
printf '%s\n' "$out" | grep -- "^--- "
unset WINEPREFIX WINEDEBUG
rm -rf "$W"

echo "== arm64 $V under qemu-aarch64"
# The arm64 packages' binaries run on this machine through qemu-user, with
# the arm64 sysroot's C library and X11/GL libraries (packaging/sysroot.sh).
A=$(mktemp -d)
for p in yichuang countyd; do
	deb="dist/${p}_${V}_arm64.deb"
	test -f "$deb" || fail "no $deb"
	out=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" || true)
	echo "$out"
	echo "$out" | grep -q '^E: ' && fail "lintian reports errors in $deb"
	dpkg-deb -x "$deb" "$A"
done
q="qemu-aarch64-static -L $(./packaging/sysroot.sh path arm64)"
file "$A/usr/bin/yichuang" | grep -q aarch64 || fail "the arm64 kiosk is not an aarch64 binary: $(file "$A/usr/bin/yichuang")"
$q "$A/usr/bin/yichuang" --version | grep -q "yichuang $V" || fail "arm64 yichuang --version: $($q "$A/usr/bin/yichuang" --version)"
env -u DISPLAY -u WAYLAND_DISPLAY $q "$A/usr/bin/yichuang" --self-check -data "$A/data" || fail "arm64 self-check"
$q "$A/usr/bin/countyd" --version | grep -q "countyd $V" || fail "arm64 countyd --version"
mkdir "$A/county"
$q "$A/usr/bin/countyd" serve -data "$A/county" -listen 127.0.0.1:0 >"$A/county.out" 2>&1 &
pid=$!
url=""
for _ in $(seq 60); do
	url=$(sed -n 's/^countyd listening on //p' "$A/county.out" | head -n1)
	[ -n "$url" ] && break
	sleep 1
done
[ -n "$url" ] || { cat "$A/county.out"; kill "$pid"; fail "arm64 countyd did not serve"; }
page=$(curl -fsS "$url/office/login") || { kill "$pid"; fail "arm64 countyd: no login page at $url/office/login"; }
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "$page" | grep -q '<form' || fail "arm64 countyd's login page has no form"
echo "arm64: --version, --self-check and countyd's login page under qemu: ok"
rm -rf "$A"

echo "== kiosk $V"
install_deb "dist/yichuang_${V}_amd64.deb"
yichuang --version | grep -q "yichuang $V" || fail "yichuang --version: $(yichuang --version)"
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
env -u DISPLAY -u WAYLAND_DISPLAY yichuang --self-check -data "$DATA" || fail "self-check of $V"
test -f /usr/lib/systemd/user/yichuang-kiosk.service || fail "no user unit"
test -f /etc/xdg/autostart/cn.yichuang.kiosk-autostart.desktop || fail "no autostart entry"
for f in /etc/xdg/autostart/cn.yichuang.kiosk-autostart.desktop /usr/share/applications/cn.yichuang.kiosk.desktop; do
	desktop-file-validate "$f" || fail "desktop-file-validate $f"
done
test -x /usr/libexec/yichuang/yichuang-autostart || fail "no autostart script"
# systemd-analyze verify: any complaint about our units fails (messages about
# a missing bus in a container without systemd are not about them).
verify() {
	out=$(systemd-analyze verify "$@" 2>&1 | grep -v '^$' | grep -iv 'bus\|connect\|/run/systemd' || true)
	[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify $*"; }
}
verify /usr/lib/systemd/user/yichuang-kiosk.service

echo "== countyd $V"
install_deb "dist/countyd_${V}_amd64.deb"
countyd --version | grep -q "countyd $V" || fail "countyd --version: $(countyd --version)"
getent passwd countyd >/dev/null || fail "no countyd user"
verify /usr/lib/systemd/system/countyd.service /usr/lib/systemd/system/countyd-backup.service /usr/lib/systemd/system/countyd-backup.timer
test -d /var/lib/countyd || fail "no /var/lib/countyd"
# Without systemd here, run it as its service would, briefly.
CD=$(mktemp -d) && $sudo chown countyd "$CD"
if [ "$(id -u)" = 0 ]; then as_countyd="runuser -u countyd --"; else as_countyd="sudo -u countyd"; fi
$as_countyd countyd serve -data "$CD" -listen 127.0.0.1:0 >"$CD/out" 2>&1 &
pid=$!
sleep 2
grep -q "countyd listening on" "$CD/out" || { cat "$CD/out"; fail "countyd did not serve"; }
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -rf "$CD"

echo "== upgrade $V -> next"
NEXT=$(echo "$V" | awk -F. '{printf "%d.%d.%d", $1, $2, $3 + 1}')
go run -tags sqlite_fts5,no_emoji ./packaging/mkcases -data "$DATA" -n 3 >"$DATA/codes"
VERSION=$NEXT ONLY=linux ./packaging/build.sh
install_deb "dist/yichuang_${NEXT}_amd64.deb"
yichuang --version | grep -q "yichuang $NEXT" || fail "after the upgrade: $(yichuang --version)"
out=$(env -u DISPLAY yichuang --self-check -data "$DATA") || fail "self-check after the upgrade"
echo "$out"
echo "$out" | grep -q " 3 cases" || fail "the 3 cases are not there after the upgrade"
dpkg-query -W -f='${Version}\n' yichuang | grep -qx "$NEXT" || fail "dpkg still lists an old version"
rm -f "dist/yichuang_${NEXT}_amd64.deb" "dist/countyd_${NEXT}_amd64.deb"
echo "package test passed"
