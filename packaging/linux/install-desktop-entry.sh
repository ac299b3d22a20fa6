#!/bin/sh
# Add Reframe from this unpacked folder to your applications menu (for you only; no root needed),
# or take it out again with --remove. The folder can live anywhere; run this again after moving it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$apps/reframe.desktop"
    for f in "$icons"/*/apps/reframe.png; do [ -e "$f" ] && rm -f "$f"; done
    echo "Reframe removed from the applications menu (this folder and your library are untouched)."
    exit 0
fi

mkdir -p "$apps"
sed -e "s|^Exec=.*|Exec=\"$here/reframe-gui\"|" -e "s|^TryExec=.*|TryExec=$here/reframe-gui|" \
    "$here/reframe.desktop" > "$apps/reframe.desktop"
for n in 16 24 32 48 64 128 256 512; do
    mkdir -p "$icons/${n}x${n}/apps"
    cp "$here/_internal/resources/icons/reframe-$n.png" "$icons/${n}x${n}/apps/reframe.png"
done
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
echo "Reframe added to the applications menu. Command line: $here/reframe --help"
