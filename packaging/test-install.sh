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

echo "== kiosk $V"
install_deb "dist/yichuang_${V}_amd64.deb"
yichuang --version | grep -q "yichuang $V" || fail "yichuang --version: $(yichuang --version)"
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
env -u DISPLAY -u WAYLAND_DISPLAY yichuang --self-check -data "$DATA" || fail "self-check of $V"
test -f /usr/lib/systemd/user/yichuang-kiosk.service || fail "no user unit"
test -f /etc/xdg/autostart/yichuang-kiosk.desktop || fail "no autostart entry"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify /usr/lib/systemd/user/yichuang-kiosk.service 2>&1 | grep -v "^$" | grep -iv "bus\|connect" || true
fi

echo "== countyd $V"
install_deb "dist/countyd_${V}_amd64.deb"
countyd --version | grep -q "countyd $V" || fail "countyd --version: $(countyd --version)"
getent passwd countyd >/dev/null || fail "no countyd user"
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
