#!/usr/bin/env bash
# Regenerates the raster app and tray icons from the hand-written SVGs.
#
#   icons/icon.svg  -> 32x32.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns
#   icons/tray.svg  -> tray.png tray@2x.png   (monochrome template: black on transparent)
#
# Requires: rsvg-convert (librsvg2-bin) and convert (ImageMagick).
# Every PNG is written as 8-bit RGBA (PNG colour type 6), which Tauri requires.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in rsvg-convert convert identify; do
  command -v "$tool" >/dev/null || { echo "generate.sh: missing $tool" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# render SVG SIZE OUT: rasterise at SIZE x SIZE straight from the vector (no downscaling
# of a big bitmap, so small sizes stay crisp), then force RGBA.
render() {
  local svg="$1" size="$2" out="$3"
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$svg" -o "$tmp/raw.png"
  convert "$tmp/raw.png" -background none -alpha on -strip \
    -define png:color-type=6 -define png:bit-depth=8 "PNG32:$out"
}

render icon.svg 32 32x32.png
render icon.svg 128 128x128.png
render icon.svg 256 128x128@2x.png
render icon.svg 512 icon.png

render tray.svg 32 tray.png
render tray.svg 64 tray@2x.png

# Windows .ico: each size rendered from the SVG.
ico_parts=()
for size in 16 24 32 48 64 256; do
  render icon.svg "$size" "$tmp/ico-$size.png"
  ico_parts+=("$tmp/ico-$size.png")
done
convert "${ico_parts[@]}" icon.ico

# macOS .icns: a header plus PNG-payload entries (ImageMagick cannot write ICNS).
be32() { # N: write N as a 4-byte big-endian integer
  local n="$1" shift
  for shift in 24 16 8 0; do
    # shellcheck disable=SC2059 # the format string is the escaped byte
    printf "\\$(printf '%03o' $(( (n >> shift) & 255 )))"
  done
}
icns_entry() { # TYPE PNG
  local size
  size=$(( $(stat -c %s "$2") + 8 ))
  printf '%s' "$1"; be32 "$size"; cat "$2"
}
render icon.svg 16 "$tmp/16.png"
render icon.svg 32 "$tmp/32.png"
render icon.svg 64 "$tmp/64.png"
render icon.svg 128 "$tmp/128.png"
render icon.svg 256 "$tmp/256.png"
render icon.svg 512 "$tmp/512.png"
render icon.svg 1024 "$tmp/1024.png"
{
  icns_entry icp4 "$tmp/16.png"    # 16x16
  icns_entry ic11 "$tmp/32.png"    # 16x16@2x
  icns_entry icp5 "$tmp/32.png"    # 32x32
  icns_entry ic12 "$tmp/64.png"    # 32x32@2x
  icns_entry ic07 "$tmp/128.png"   # 128x128
  icns_entry ic13 "$tmp/256.png"   # 128x128@2x
  icns_entry ic08 "$tmp/256.png"   # 256x256
  icns_entry ic14 "$tmp/512.png"   # 256x256@2x
  icns_entry ic09 "$tmp/512.png"   # 512x512
  icns_entry ic10 "$tmp/1024.png"  # 512x512@2x
} >"$tmp/body"
{ printf 'icns'; be32 $(( $(stat -c %s "$tmp/body") + 8 )); cat "$tmp/body"; } >icon.icns

# Sanity check: sizes and RGBA.
check() { # FILE WIDTH
  local got
  got="$(identify -format '%w %[channels]' "$1")"
  [[ "$got" == "$2 srgba" || "$got" == "$2 rgba" ]] || { echo "generate.sh: $1 is '$got', want '$2 rgba'" >&2; exit 1; }
}
check 32x32.png 32
check 128x128.png 128
check 128x128@2x.png 256
check icon.png 512
check tray.png 32
check tray@2x.png 64

echo "icons written to $here"
