"""Small inline SVG charts: the report opens offline, with no script and no external file."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from orchestration.reports.safe_text import escape

PALETTE = ("#2f6f9f", "#e07b39", "#4e9a6a", "#b85c8a", "#7a6fb0", "#c9a227", "#5f8f9f", "#9a5f4e")


def hbar(
    items: Sequence[tuple[str, float]], fmt: Callable[[float], str], width: int = 560, title: str = ""
) -> str:
    """Horizontal bars, largest first as given; labels left, values right."""
    if not items:
        return ""
    row, label_w, value_w = 24, 170, 90
    height = row * len(items) + 8
    top = max((v for _, v in items), default=0) or 1
    bar_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = max(bar_w * value / top, 1 if value > 0 else 0)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="lbl">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="2" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="val">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line(
    series: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
    fmt: Callable[[float], str],
    width: int = 720,
    height: int = 240,
    title: str = "",
) -> str:
    """Lines over shared x labels (days); None leaves a gap. Each series is (name, [(x, y), ...])."""
    xs = sorted({x for _, points in series for x, _ in points})
    ys = [y for _, points in series for _, y in points if y is not None]
    if not xs or not ys:
        return ""
    left, right, top_pad, bottom = 70, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    y_max = max(ys) * 1.1 or 1
    x_of = {x: left + (plot_w * i / max(len(xs) - 1, 1)) for i, x in enumerate(xs)}

    def y_of(v: float) -> float:
        return top_pad + plot_h * (1 - v / y_max)

    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i in range(5):  # grid and y labels
        v = y_max * i / 4
        y = y_of(v)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{escape(fmt(v))}</text>'
        )
    step = max(1, len(xs) // 8)
    for i, x in enumerate(xs):
        if i % step == 0 or i == len(xs) - 1:
            parts.append(
                f'<text x="{x_of[x]:.1f}" y="{height - 12}" text-anchor="middle" class="axis">'
                f"{escape(x[5:] if len(x) == 10 else x)}</text>"
            )
    for n, (name, points) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = [segment]
        for x, y in sorted(points):
            if y is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x_of[x]:.1f},{y_of(y):.1f}")
            parts.append(
                f'<circle cx="{x_of[x]:.1f}" cy="{y_of(y):.1f}" r="3" fill="{color}">'
                f"<title>{escape(name)} {escape(x)}: {escape(fmt(y))}</title></circle>"
            )
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(seg)}"/>'
                )
        parts.append(
            f'<rect x="{left + 10 + n * 170}" y="2" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + 24 + n * 170}" y="11" class="axis">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
