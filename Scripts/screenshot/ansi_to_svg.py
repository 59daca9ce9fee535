#!/usr/bin/env python3
"""Render a terminal capture with ANSI colors (`tmux capture-pane -e -p`) as an SVG picture.

Usage: ansi_to_svg.py CAPTURE.txt OUT.svg [--cols 120] [--rows 36] [--title TEXT]

Understands the SGR sequences tmux writes: reset, bold, dim, italic, underline, reverse, the 8/16
basic colors, 256-color indices and 24-bit colors, for foreground and background. Every cell is one
column wide (lorascope draws on a grid of single-width characters). Standard library only.
"""
from __future__ import annotations

import argparse
import html
import re
import sys

BASIC = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6"]
BRIGHT = ["#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea"]
DEFAULT_FG = "#d8d8d8"
DEFAULT_BG = "#1b1d1e"
CELL_W, CELL_H, FONT = 8.4, 17, 14


def color256(n: int) -> str:
    if n < 8:
        return BASIC[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (level, level, level)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def apply(self, params: list[int]):
        i = 0
        if not params:
            params = [0]
        while i < len(params):
            p = params[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 27:
                self.reverse = False
            elif 30 <= p <= 37:
                self.fg = BASIC[p - 30]
            elif 90 <= p <= 97:
                self.fg = BRIGHT[p - 90]
            elif 40 <= p <= 47:
                self.bg = BASIC[p - 40]
            elif 100 <= p <= 107:
                self.bg = BRIGHT[p - 100]
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif p in (38, 48) and i + 1 < len(params):
                if params[i + 1] == 5 and i + 2 < len(params):
                    value = color256(params[i + 2])
                    i += 2
                elif params[i + 1] == 2 and i + 4 < len(params):
                    value = "#%02x%02x%02x" % tuple(params[i + 2:i + 5])
                    i += 4
                else:
                    value = None
                    i += 1
                if p == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1


SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-ln-z]|\][^\x07]*\x07|[()][0-9A-B])")


def parse(text: str, cols: int, rows: int):
    """Rows of cells (char, style key)."""
    grid = []
    style = Style()
    for line in text.split("\n")[:rows]:
        line = OTHER_ESCAPE.sub("", line)
        cells = []
        pos = 0
        for match in SGR.finditer(line):
            for ch in line[pos:match.start()]:
                cells.append((ch, style.key()))
            params = [int(x) for x in re.split("[;:]", match.group(1)) if x != ""]
            style.apply(params)
            pos = match.end()
        for ch in line[pos:]:
            cells.append((ch, style.key()))
        cells = cells[:cols]
        while len(cells) < cols:
            cells.append((" ", style.key()))
        grid.append(cells)
    while len(grid) < rows:
        grid.append([(" ", Style().key())] * cols)
    return grid


def colors(key):
    fg, bg, bold, dim, italic, underline, reverse = key
    fg = fg or DEFAULT_FG
    bg_out = bg
    if reverse:
        fg, bg_out = (bg or DEFAULT_BG), fg
    return fg, bg_out


def render(grid, cols: int, rows: int, title: str) -> str:
    width, height = cols * CELL_W + 16, rows * CELL_H + 16
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="100%" height="100%" fill="{DEFAULT_BG}" rx="6"/>',
        f'<g transform="translate(8 8)" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'font-size="{FONT}" xml:space="preserve">',
    ]
    for r, cells in enumerate(grid):
        y = r * CELL_H
        # Backgrounds, merged into runs.
        c = 0
        while c < cols:
            _, bg = colors(cells[c][1])
            start = c
            while c < cols and colors(cells[c][1])[1] == bg:
                c += 1
            if bg:
                out.append(f'<rect x="{start * CELL_W:.1f}" y="{y}" width="{(c - start) * CELL_W:.1f}" '
                           f'height="{CELL_H}" fill="{bg}"/>')
        # Text, in runs of one style; each run is stretched to its cells so columns stay aligned.
        c = 0
        while c < cols:
            key = cells[c][1]
            start = c
            while c < cols and cells[c][1] == key:
                c += 1
            text = "".join(ch for ch, _ in cells[start:c])
            if not text.strip():
                continue
            fg, _ = colors(key)
            attrs = [f'x="{start * CELL_W:.1f}"', f'y="{y + CELL_H - 4}"', f'fill="{fg}"',
                     f'textLength="{(c - start) * CELL_W:.1f}"', 'lengthAdjust="spacingAndGlyphs"']
            if key[2]:
                attrs.append('font-weight="bold"')
            if key[3]:
                attrs.append('opacity="0.6"')
            if key[4]:
                attrs.append('font-style="italic"')
            if key[5]:
                attrs.append('text-decoration="underline"')
            out.append(f"<text {' '.join(attrs)}>{html.escape(text)}</text>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture")
    parser.add_argument("out")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=36)
    parser.add_argument("--title", default="lorascope")
    args = parser.parse_args()
    with open(args.capture, encoding="utf-8") as f:
        grid = parse(f.read(), args.cols, args.rows)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(render(grid, args.cols, args.rows, args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
