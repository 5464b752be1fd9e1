"""Small server-side SVG bar charts (no script, no external file: they print as they show)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from markupsafe import Markup

BAR_H, GAP, LABEL_W, VALUE_W, WIDTH = 18, 6, 120, 70, 640


def bar_chart(items: list[tuple[str, float | int | Decimal | None]], *, unit: str = "",
              lines: list[tuple[float, str]] = (), highlight_over: float | None = None,
              title: str = "") -> Markup:
    """Horizontal bars, one per (label, value); `lines` are marked values (e.g. 2% and 3%), bars
    above `highlight_over` are drawn red."""
    values = [float(v) for _, v in items if v is not None]
    top = max(values + [x for x, _ in lines] + [0.0]) or 1.0
    plot = WIDTH - LABEL_W - VALUE_W
    height = len(items) * (BAR_H + GAP) + GAP + (16 if lines else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR_H + GAP)
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end" class="label">'
                     f"{escape(str(label))}</text>")
        if value is None:
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + BAR_H - 5}" class="value">无数据</text>')
            continue
        w = max(1.0, plot * float(value) / top) if float(value) > 0 else 0
        over = highlight_over is not None and float(value) > highlight_over
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                     f'class="{"bar over" if over else "bar"}"/>')
        parts.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 5}" class="value">'
                     f"{escape(_number(value))}{escape(unit)}</text>")
    for x_value, text in lines:
        x = LABEL_W + plot * x_value / top
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 14}" class="line"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" text-anchor="middle" class="line-label">'
                     f"{escape(text)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value) -> str:
    if isinstance(value, int):
        return str(value)
    f = float(value)
    return str(int(f)) if f == int(f) and not isinstance(value, Decimal) else f"{f:.2f}".rstrip("0").rstrip(".")
