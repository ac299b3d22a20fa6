"""Draw the Reframe icon (an original design) and write every size the installers need.

A rounded square with a deep blue-to-teal gradient; on it, four white corner brackets - the frame being
set on a picture - around a small landscape: a warm sun over two hills. Drawn once at 1024 px with
Pillow and downsampled, so every size is anti-aliased.

Writes to ``resources/icons/``: ``reframe-<N>.png`` for N in 16..1024, ``reframe.png`` (256 px, the
window and desktop-entry icon), ``reframe.ico`` (Windows: 16-256) and ``reframe.icns`` (macOS).

Run: ``python packaging/make_icon.py`` (re-running gives the same files).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
BIG = 1024
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

TOP = (28, 45, 110)  # deep blue
BOTTOM = (18, 150, 150)  # teal
SUN = (255, 176, 59)
HILL_BACK = (120, 210, 190)
HILL_FRONT = (235, 248, 244)
WHITE = (255, 255, 255)


def _gradient(size: int) -> Image.Image:
    col = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / (size - 1)
        col.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True)))
    return col.resize((size, size), Image.Resampling.BILINEAR)


def draw(size: int = BIG) -> Image.Image:
    s = size / 1024  # all coordinates below are on a 1024 grid
    margin, radius = 64 * s, 200 * s
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))

    # Soft shadow under the tile.
    shadow = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (margin, margin + 18 * s, size - margin, size - margin + 18 * s), radius, fill=110
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(22 * s))
    icon.paste(Image.new("RGBA", (size, size), (0, 0, 0, 255)), (0, 0), shadow)

    # The tile: gradient through a rounded-square mask.
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((margin, margin, size - margin, size - margin), radius, fill=255)
    icon.paste(_gradient(size), (0, 0), mask)

    # The picture inside the frame: sun and hills, clipped to the inner rectangle.
    inner = (272 * s, 300 * s, 752 * s, 724 * s)
    scene = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(scene)
    d.ellipse((560 * s, 352 * s, 680 * s, 472 * s), fill=SUN)
    d.polygon([(232 * s, 724 * s), (430 * s, 470 * s), (640 * s, 724 * s)], fill=HILL_BACK)
    d.polygon([(380 * s, 724 * s), (600 * s, 540 * s), (800 * s, 724 * s)], fill=HILL_FRONT)
    clip = Image.new("L", (size, size), 0)
    ImageDraw.Draw(clip).rounded_rectangle(inner, 28 * s, fill=255)
    icon.paste(scene, (0, 0), Image.composite(scene.getchannel("A"), clip, clip))

    # Four corner brackets: the frame.
    d = ImageDraw.Draw(icon)
    x0, y0, x1, y1 = 208 * s, 236 * s, 816 * s, 788 * s
    arm, width = 150 * s, round(46 * s) or 1
    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
        d.line([(cx, cy + dy * arm), (cx, cy), (cx + dx * arm, cy)], fill=WHITE, width=width, joint="curve")
        r = width / 2  # round the ends of each arm
        for ex, ey in ((cx, cy + dy * arm), (cx + dx * arm, cy), (cx, cy)):
            d.ellipse((ex - r, ey - r, ex + r, ey + r), fill=WHITE)
    return icon


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    master = draw(BIG)
    written = []
    for n in PNG_SIZES:
        img = master if n == BIG else master.resize((n, n), Image.Resampling.LANCZOS)
        path = out / f"reframe-{n}.png"
        img.save(path, optimize=True)
        written.append(path)
    master.resize((256, 256), Image.Resampling.LANCZOS).save(out / "reframe.png", optimize=True)
    written.append(out / "reframe.png")
    master.save(out / "reframe.ico", sizes=[(n, n) for n in ICO_SIZES])
    written.append(out / "reframe.ico")
    try:
        master.save(out / "reframe.icns")
        written.append(out / "reframe.icns")
    except (OSError, ValueError, KeyError) as exc:  # older Pillow builds cannot write ICNS
        print(f"no .icns: {exc}", file=sys.stderr)
    for p in written:
        print(f"{p.relative_to(out.parent.parent)}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
