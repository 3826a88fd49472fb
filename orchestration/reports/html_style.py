"""The chargeback page's stylesheet, inlined into the page (no external file)."""

STYLE = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2733;
       margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 8px; border-bottom: 1px solid #dde3ea;
     padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.sub { color: #5b6875; margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 16px; min-width: 180px; flex: 1; }
.card .k { color: #5b6875; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 24px; font-weight: 600; } .card .d { font-size: 13px; }
.up { color: #b03a2e; } .down { color: #2e7d4f; }
.callout { border-left: 4px solid #d9a400; background: #fff8e1; padding: 10px 16px; margin: 16px 0; }
.callout.ok { border-color: #2e7d4f; background: #eef7f1; }
.banner { background: #eef3f8; border: 1px solid #c9d7e6; padding: 8px 14px; border-radius: 4px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef1f4; }
th { color: #5b6875; font-weight: 600; border-bottom: 1px solid #c9d2dc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 32px; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; }
svg .lbl { fill: #1d2733; } svg .val, svg .axis { fill: #5b6875; } svg .grid { stroke: #eef1f4; }
.methods li { margin-bottom: 6px; } code { background: #f3f5f7; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 40px; color: #5b6875; font-size: 12px; }
@media print { body { padding: 0; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
"""
