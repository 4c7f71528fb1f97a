#!/usr/bin/env bash
# Builds the .deb, checks its contents and dependency fields, installs it with apt, runs what
# it installed, validates the desktop entry and AppStream file, removes it and checks that no
# installed file remains. Needs root (CI runs as root); exit 77 (skip) otherwise.
set -euo pipefail
build="$1"; shared="$2"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: installing a package needs root"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >/dev/null
deb=$(ls "$out"/hearth_*.deb)
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' > "$out/files"
for f in /usr/bin/hearth /usr/bin/hearth-cli /usr/share/applications/io.github.hearth.Hearth.desktop \
         /usr/share/metainfo/io.github.hearth.Hearth.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/io.github.hearth.Hearth.svg \
         /usr/share/icons/hicolor/48x48/apps/io.github.hearth.Hearth.png \
         /usr/share/icons/hicolor/256x256/apps/io.github.hearth.Hearth.png; do
    grep -qx "$f" "$out/files" || fail "$f is not in the package"
done
grep -q "/tests/\|/include/\|\.a$" "$out/files" && fail "the package carries build or test files"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libqt6core6 libqt6qml6 libsqlite3-0 libsentencepiece0 libpcre2-8-0 libstdc++6 qml6-module-qtquick-controls libvulkan1; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done

dpkg -s hearth >/dev/null 2>&1 && apt-get remove -y -q hearth >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >/dev/null
/usr/bin/hearth-cli --version | grep -q "hearth-cli 0" || fail "hearth-cli --version"
/usr/bin/hearth --version | grep -q "hearth 0" || fail "hearth --version"
if [ -f "$shared/models/stories260K.gguf" ]; then
    /usr/bin/hearth-cli info "$shared/models/stories260K.gguf" | grep -q "architecture     llama" || fail "hearth-cli info"
fi
desktop-file-validate /usr/share/applications/io.github.hearth.Hearth.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/io.github.hearth.Hearth.metainfo.xml >/dev/null || fail "appstreamcli validate"

apt-get remove -y -q hearth >/dev/null
while read -r f; do
    [ -e "$f" ] && fail "$f is still there after removal"
done < "$out/files"
echo "deb package ok: $(grep -c . "$out/files") files installed and removed cleanly"
