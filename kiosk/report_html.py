"""The report for people: one self-contained HTML file (no scripts, no external resources).

Scores come with the evidence behind them; each transcript has its evidence spans highlighted;
the voice and video timelines are small inline SVG plots. Opening it needs nothing but a browser,
and printing it from the browser gives the paper copy.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

#: Evidence kinds that count against an answer (see kiosk.analysis.evidence).
WEAK_EVIDENCE = frozenset({"generic_claim", "off_topic", "keyword.low"})

_STYLE = """
body{font-family:"Noto Sans","WenQuanYi Micro Hei",sans-serif;max-width:60rem;margin:2rem auto;
color:#1d2330;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eef}
.review{background:#fff3cd;border:1px solid #e0c060;padding:.5rem 1rem}
mark{background:#ffe27a}mark.weak{background:#f6c6bd}.muted{color:#667}.bar{fill:#4a7bd0}.line{fill:none;stroke:#4a7bd0;
stroke-width:1.5}.line2{fill:none;stroke:#d0704a;stroke-width:1.5}
"""


def render_html(report: dict[str, Any]) -> str:
    """The whole report as an HTML document."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Interview report {e(report['session_code'])}</title><style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>Interview report {e(report['session_code'])}</h1>",
        f"<p>{e(str(report['candidate']['name']))} · {e(report['position']['title'])} · "
        f"{e(report['started_at'][:16])} · {e(report['language'])}</p>",
    ]
    parts += _review(report.get("review"))
    result = report.get("result")
    if result is None:
        parts.append(f"<p class='muted'>{e(report['analysis']['explanation'])}</p>")
    else:
        parts += _result(result)
    parts.append(
        "<h2>Answers</h2><p class='muted'>Highlighted: <mark>evidence for a score</mark>, "
        "<mark class='weak'>what marks a weak answer (generic claims, off-topic talk)</mark>.</p>"
    )
    quotes = _quotes_by_question(result)
    for answer in report["answers"]:
        parts += _answer(answer, quotes.get(answer["question_id"], ()))
    v = report["versions"]
    parts.append(
        f"<p class='muted'>kiosk {e(v['kiosk'])} · bank {e(v['bank'])} · rubric "
        f"{e(v['rubric'])} · models {e(', '.join(v['models']) or 'none')}</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _review(review: dict[str, Any] | None) -> list[str]:
    """The reviewers' decision and overrides (an exported report's ``review``), if any."""
    if not review:
        return []
    e = html.escape
    parts = ["<h2>Review</h2><ul>"]
    decision = review.get("decision")
    if decision is not None:
        note = f" — {e(decision['note'])}" if decision["note"] else ""
        parts.append(
            f"<li>Decision: <b>{e(decision['status'])}</b>{note} "
            f"<span class='muted'>({e(decision['by'])}, {e(decision['at'])})</span></li>"
        )
    for o in review.get("overrides", []):
        computed = "" if o["computed"] is None else f"{o['computed']} → "
        parts.append(
            f"<li>{e(o['name'])}: {computed}<b>{o['score']}</b>/100 overridden: "
            f"{e(o['reason'])} <span class='muted'>({e(o['by'])}, {e(o['at'])})</span></li>"
        )
    parts.append("</ul>")
    return parts


def _result(result: dict[str, Any]) -> list[str]:
    e = html.escape
    out = [
        f"<h2>Overall {result['overall100']}/100 <span class='muted'>(confidence "
        f"{result['confidence']:.2f}, policy {e(result['policy']['profile'])})</span></h2>"
    ]
    if result["needs_review"]:
        reasons = "".join(f"<li>{e(r)}</li>" for r in result["review_reasons"])
        out.append(f"<div class='review'><b>Human review required</b><ul>{reasons}</ul></div>")
    out.append(
        "<table><tr><th>competency</th><th>weight</th><th>score</th><th>confidence</th>"
        "<th>against the position</th></tr>"
    )
    for c in result["competencies"]:
        bench = e(c["benchmark"]["text"]) if c["benchmark"] else ""
        score = f"{c['score100']}" if c["assessed"] else "not assessed"
        out.append(
            f"<tr><td>{e(c['name'])}</td><td>{c['weight']:.0%}</td><td>{score}</td>"
            f"<td>{c['confidence']:.2f}</td><td>{bench}</td></tr>"
        )
    out.append("</table>")
    for c in result["competencies"]:
        score = f"{c['score100']}/100" if c["assessed"] else "not assessed"
        out.append(f"<h3>{e(c['name'])}: {score}</h3><ul>")
        for p in c["contributions"]:
            counted = "" if p["counted"] else " <i>(not counted)</i>"
            quotes = "".join(f"<br>“{e(ev['quote'])}”{_time(ev)}" for ev in p["evidence"][:4])
            out.append(
                f"<li><b>{e(p['family'])}</b>{counted} ×{p['weight']:.2f}: "
                f"{e(p['explanation'])}{quotes}</li>"
            )
        out.append("</ul>")
    if result["flags"]:
        out.append("<h2>Flags</h2><ul>")
        out += [
            f"<li><b>{e(f['code'])}</b> ({e(f['question_id'])}): {e(f['detail'])}"
            f"{_spans(f['spans'])}</li>"
            for f in result["flags"]
        ]
        out.append("</ul>")
    if result["suggested_probes"]:
        out.append("<h2>Suggested follow-up probes</h2><ul>")
        out += [f"<li>{e(p['en'])}<br>{e(p['zh'])}</li>" for p in result["suggested_probes"]]
        out.append("</ul>")
    return out


def _answer(answer: dict[str, Any], quotes: Sequence[tuple[str, bool]]) -> list[str]:
    e = html.escape
    out = [f"<h3>{answer['index']}. {e(answer['prompt'])}</h3>"]
    analysis = answer.get("analysis") or {}
    if "choice" in answer:
        out.append(
            f"<p>Chose option {answer['choice']} "
            f"({'correct' if answer.get('correct') else 'incorrect'}).</p>"
        )
    elif "transcript" in analysis:
        out.append(f"<p>{_highlight(analysis['transcript'], quotes) or '<i>no speech</i>'}</p>")
        out.append(f"<p class='muted'>ASR confidence {analysis['asr_confidence']:.2f}</p>")
        voice = analysis.get("voice_timeline") or []
        video = analysis.get("video_timeline") or []
        if voice:
            out.append("<div class='muted'>voice loudness, −60 to 0 dBFS, per second</div>")
            out.append(_plot([r["loudness_db"] for r in voice], low=-60, high=0))
        if video:
            out.append(
                "<div class='muted'>face present (blue) and eye contact (orange), 0 to 1, "
                "per second</div>"
            )
            faces = [r["face_present"] for r in video]
            gaze = [r["gaze_on"] or 0 for r in video]
            out.append(_plot(faces, low=0, high=1, second=gaze))
    return out


def _highlight(text: str, quotes: Iterable[tuple[str, bool]]) -> str:
    """Escape ``text``, marking every evidence quote found in it (weak ones in their colour)."""
    spans = sorted(
        {(text.find(q), text.find(q) + len(q), weak) for q, weak in quotes if q and q in text}
    )
    out, at = [], 0
    for start, end, weak in spans:
        if start < at:
            continue
        tag = "<mark class='weak'>" if weak else "<mark>"
        out += [html.escape(text[at:start]), f"{tag}{html.escape(text[start:end])}</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _plot(
    values: Sequence[float], *, low: float, high: float, second: Sequence[float] | None = None
) -> str:
    width, height, pad = 480, 60, 5
    if not values:
        return ""

    def points(series: Sequence[float]) -> str:
        # Padded, so a series pinned at its maximum or minimum stays visible off the border.
        step = width / max(1, len(series) - 1)
        span = (high - low) or 1.0
        usable = height - 2 * pad
        return " ".join(
            f"{i * step:.1f},{pad + usable - (min(max(v, low), high) - low) / span * usable:.1f}"
            for i, v in enumerate(series)
        )

    lines = f"<polyline class='line' points='{points(values)}'/>"
    if second is not None:
        lines += f"<polyline class='line2' points='{points(second)}'/>"
    return (
        f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img'>"
        f"<rect width='{width}' height='{height}' fill='#f6f7fb'/>{lines}</svg>"
    )


def _quotes_by_question(result: dict[str, Any] | None) -> dict[str, list[tuple[str, bool]]]:
    """Each question's evidence quotes, and whether each counts against the answer."""
    quotes: dict[str, list[tuple[str, bool]]] = {}
    for c in (result or {}).get("competencies", []):
        for p in c["contributions"]:
            quotes.setdefault(p["question_id"], []).extend(
                (ev["quote"], ev["kind"] in WEAK_EVIDENCE) for ev in p["evidence"]
            )
    return quotes


def _time(evidence: dict[str, Any]) -> str:
    if evidence.get("start") is None:
        return ""
    return f" <span class='muted'>({evidence['start']:.1f}–{evidence['end']:.1f} s)</span>"


def _spans(spans: Sequence[Sequence[float]]) -> str:
    if not spans:
        return ""
    return (
        " <span class='muted'>at " + ", ".join(f"{s:.1f}–{e:.1f} s" for s, e in spans) + "</span>"
    )
