"""Draws psweb's icons (static/icons, static/root) with Pillow: the same mark as static/icons/icon.svg.

Run from the repository root: `.venv/bin/python tests/lighthouse/icons.py`.
"""

from PIL import Image, ImageDraw

BLUE, RED, WHITE = (0, 63, 110, 255), (166, 50, 42, 255), (255, 255, 255, 255)


def mark(size, *, rounded=True, maskable=False):
    s = 8  # supersampling
    n = size * s
    im = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    u = n / 64
    if rounded and not maskable:
        d.rounded_rectangle([0, 0, n - 1, n - 1], radius=12 * u, fill=BLUE)
    else:
        d.rectangle([0, 0, n, n], fill=BLUE)
    scale = 0.8 if maskable else 1.0  # maskable icons keep their mark inside the safe zone
    c, r = 32 * u, 24 * u * scale
    d.ellipse([c - r, c - r, c + r, c + r], fill=WHITE)
    half_w, half_l = 5.5 * u * scale, 18 * u * scale
    d.rounded_rectangle([c - half_w, c - half_l, c + half_w, c + half_l], radius=2 * u * scale, fill=RED)
    d.rounded_rectangle([c - half_l, c - half_w, c + half_l, c + half_w], radius=2 * u * scale, fill=RED)
    return im.resize((size, size), Image.LANCZOS)


mark(180, rounded=False).convert("RGB").save("static/icons/apple-touch-icon.png", optimize=True)
mark(180, rounded=False).convert("RGB").save("static/root/apple-touch-icon.png", optimize=True)
mark(192).save("static/icons/icon-192.png", optimize=True)
mark(512).save("static/icons/icon-512.png", optimize=True)
mark(512, maskable=True).save("static/icons/icon-maskable-512.png", optimize=True)
ico = mark(64)
ico.save("static/root/favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
