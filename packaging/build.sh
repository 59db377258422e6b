#!/bin/sh
# Builds the installers into dist/ (make package):
#   yichuang_<version>_amd64.deb   the kiosk for Debian, UOS and Kylin
#   countyd_<version>_amd64.deb    the county center, a systemd service
#   yichuang-<version>-windows-amd64.zip   the kiosk for Windows, with its shortcuts
# The version is the one in app/FyneApp.toml; VERSION overrides it (the
# upgrade test builds N+1 this way). Needs: go, fyne (fyne.io/tools),
# dpkg-deb, x86_64-w64-mingw32-gcc, zip; packaging/deps.sh package installs them.
set -eu
cd "$(dirname "$0")/.."

GO=${GO:-go}
TAGS=sqlite_fts5,no_emoji
VERSION=${VERSION:-$(sed -n 's/^Version *= *"\(.*\)"/\1/p' app/FyneApp.toml)}
BUILD=$(sed -n 's/^Build *= *\([0-9]*\)/\1/p' app/FyneApp.toml)
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
FYNE=${FYNE:-$(command -v fyne || echo "$($GO env GOPATH)/bin/fyne")}
ONLY=${ONLY:-linux windows}
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
	dpkg-deb --root-owner-group --build "$2" "$DIST/$1_${VERSION}_amd64.deb" >/dev/null
	echo "built $DIST/$1_${VERSION}_amd64.deb"
}

if echo "$ONLY" | grep -q linux; then
	# The kiosk: our own build (tags, version stamp), then fyne package for
	# the desktop entry and the icon.
	$GO build -buildvcs=true -tags "$TAGS" -o "$WORK/yichuang" "./$APPDIR"
	fyne_package "$FYNE" package --os linux --exe "$WORK/yichuang" --name yichuang --icon "$ICON" \
		--app-id cn.yichuang.kiosk --app-version "$VERSION" --app-build "$BUILD" --release
	mkdir -p "$WORK/fyne" && tar -xJf "$APPDIR/yichuang.tar.xz" -C "$WORK/fyne" && rm -f "$APPDIR/yichuang.tar.xz"

	R="$WORK/deb-kiosk"
	mkdir -p "$R/DEBIAN" "$R/usr/bin" "$R/usr/share/applications" "$R/usr/share/icons/hicolor/512x512/apps" \
		"$R/usr/lib/systemd/user" "$R/etc/xdg/autostart" "$R/etc/default" "$R/usr/share/doc/yichuang"
	install -m 0755 "$WORK/yichuang" "$R/usr/bin/yichuang"
	desktop=$(find "$WORK/fyne" -name '*.desktop' | head -n1)
	sed -e 's|^Exec=.*|Exec=/usr/bin/yichuang|' -e 's|^Icon=.*|Icon=cn.yichuang.kiosk|' -e 's|^Name=.*|Name=Yichuang|' "$desktop" >"$R/usr/share/applications/cn.yichuang.kiosk.desktop"
	grep -q '^Name\[zh_CN\]' "$R/usr/share/applications/cn.yichuang.kiosk.desktop" ||
		sed -i '/^Name=/a Name[zh_CN]=一窗便民服务' "$R/usr/share/applications/cn.yichuang.kiosk.desktop"
	icon=$(find "$WORK/fyne" -name '*.png' | head -n1)
	install -m 0644 "$icon" "$R/usr/share/icons/hicolor/512x512/apps/cn.yichuang.kiosk.png"
	install -m 0644 packaging/linux/yichuang-kiosk.service "$R/usr/lib/systemd/user/yichuang-kiosk.service"
	install -m 0644 packaging/linux/yichuang-kiosk-autostart.desktop "$R/etc/xdg/autostart/yichuang-kiosk.desktop"
	install -m 0644 packaging/linux/yichuang.default "$R/etc/default/yichuang"
	install -m 0644 assets/fonts/COPYRIGHT-wqy-microhei.txt "$R/usr/share/doc/yichuang/COPYRIGHT-wqy-microhei.txt"
	echo "/etc/default/yichuang" >"$R/DEBIAN/conffiles"
	cat >"$R/DEBIAN/control" <<EOF
Package: yichuang
Version: $VERSION
Architecture: amd64
Maintainer: Yichuang team <yichuang@example.gov.cn>
Depends: libc6, libgl1, libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libwayland-client0, libxkbcommon0, cups-client
Recommends: espeak-ng, printer-driver-cups-pdf
Section: misc
Priority: optional
Description: 一窗 Yichuang — service hall kiosk
 Offline-first kiosk for township and village service halls: queue and
 hall display, 24-hour self-service, counter intake with printed receipts,
 village agents, and sync with the county center. Build $COMMIT.
EOF
	cat >"$R/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
# The kiosk session for every desktop user; the data stays where it was
# (each user's ~/.local/share/yichuang), and the new binary migrates it on
# its first start, keeping a backup of the old database first.
if [ "$1" = configure ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --global enable yichuang-kiosk.service >/dev/null 2>&1 || true
fi
exit 0
EOF
	cat >"$R/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && command -v systemctl >/dev/null 2>&1; then
	systemctl --global disable yichuang-kiosk.service >/dev/null 2>&1 || true
fi
exit 0
EOF
	chmod 0755 "$R/DEBIAN/postinst" "$R/DEBIAN/prerm"
	deb yichuang "$R"

	# The county center.
	$GO build -tags "$TAGS" -ldflags "-X main.version=$VERSION -X main.commit=$COMMIT" -o "$WORK/countyd" ./sync/countyd
	R="$WORK/deb-countyd"
	mkdir -p "$R/DEBIAN" "$R/usr/bin" "$R/usr/lib/systemd/system" "$R/etc/default"
	install -m 0755 "$WORK/countyd" "$R/usr/bin/countyd"
	install -m 0644 packaging/linux/countyd.service "$R/usr/lib/systemd/system/countyd.service"
	install -m 0644 packaging/linux/countyd-backup.service "$R/usr/lib/systemd/system/countyd-backup.service"
	install -m 0644 packaging/linux/countyd-backup.timer "$R/usr/lib/systemd/system/countyd-backup.timer"
	install -m 0644 packaging/linux/countyd.default "$R/etc/default/countyd"
	mkdir -p "$R/usr/share/doc/countyd/prometheus"
	install -m 0644 packaging/prometheus/*.yml "$R/usr/share/doc/countyd/prometheus/"
	echo "/etc/default/countyd" >"$R/DEBIAN/conffiles"
	cat >"$R/DEBIAN/control" <<EOF
Package: countyd
Version: $VERSION
Architecture: amd64
Maintainer: Yichuang team <yichuang@example.gov.cn>
Depends: libc6, adduser
Section: net
Priority: optional
Description: 一窗 county center — sync API and back office
 Receives the halls' cases exactly once, sends the county's decisions,
 catalogs and holidays back, and serves the back office pages. Build $COMMIT.
EOF
	cat >"$R/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	install -d -m 0700 /var/lib/countyd
	getent passwd countyd >/dev/null || adduser --quiet --system --group --home /var/lib/countyd --no-create-home countyd
	chown countyd:countyd /var/lib/countyd
	install -d -m 0700 /var/backups/countyd
	chown countyd:countyd /var/backups/countyd
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload
		systemctl enable countyd.service >/dev/null
		systemctl enable --now countyd-backup.timer >/dev/null || true
		# An upgrade restarts the service on the new binary; its store
		# migrates itself on start.
		systemctl restart countyd.service || true
	fi
fi
exit 0
EOF
	cat >"$R/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	systemctl disable --now countyd-backup.timer >/dev/null 2>&1 || true
	systemctl disable --now countyd.service >/dev/null 2>&1 || true
fi
exit 0
EOF
	chmod 0755 "$R/DEBIAN/postinst" "$R/DEBIAN/prerm"
	deb countyd "$R"
fi

if echo "$ONLY" | grep -q windows; then
	# The kiosk for Windows: cgo through mingw-w64 (GLFW and SQLite are C);
	# fyne package embeds the icon and the version metadata.
	(
		export GOFLAGS=-buildvcs=true CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1
		fyne_package "$FYNE" package --os windows --name Yichuang --icon "$ICON" --app-id cn.yichuang.kiosk \
			--app-version "$VERSION" --app-build "$BUILD" --tags "$TAGS" --release
	)
	W="$WORK/win/Yichuang"
	mkdir -p "$W"
	mv "$APPDIR/Yichuang.exe" "$W/Yichuang.exe"
	cp packaging/windows/install.cmd packaging/windows/uninstall.cmd packaging/windows/README.txt "$W/"
	cp assets/fonts/COPYRIGHT-wqy-microhei.txt "$W/"
	(cd "$WORK/win" && zip -qr "$OLDPWD/$DIST/yichuang-${VERSION}-windows-amd64.zip" Yichuang)
	echo "built $DIST/yichuang-${VERSION}-windows-amd64.zip"
fi
