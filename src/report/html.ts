import type { FeatureContribution } from './contributions.js';
import { formatNumber } from './model-summary.js';

/**
 * The report page: one self-contained HTML document (inline CSS, charts as inline SVG, no script, no
 * external URL), so it opens from a file, offline, in any browser. Every text that comes from data or
 * options is escaped; only the chart SVG (produced by Vega from our own specs, its text already escaped)
 * is inserted as markup.
 */

/** One chart section. */
export interface ReportChart {
  /** Section id and `data-chart` value, e.g. `score-histogram`. */
  id: string;
  title: string;
  /** Inline SVG markup; null when the chart is left out (`note` says why). */
  svg: string | null;
  /** A sentence under the chart (or in its place), plain text. */
  note?: string;
}

/** One row of the top-anomalies table. */
export interface AnomalyRow {
  rank: number;
  /** 1-based position in the input stream. */
  rowNumber: number;
  id: string | null;
  score: number;
  isAnomaly: boolean | null;
  /** Values of the extra columns, in `ReportDocument.anomalies.extraColumns` order. */
  extra: string[];
  /** The features with the largest shares, largest first; null when no breakdown could be computed. */
  contributions: FeatureContribution[] | null;
}

/** Everything on the page, already computed and formatted where it is text. */
export interface ReportDocument {
  title: string;
  /** When the report was made (shown in the footer, ISO 8601). */
  generatedAt: string;
  /** latentflow version, for the footer. */
  version: string;
  /** What the report is about, named in the header: the input (files, topics or in-memory) and the model. */
  subject: { input: string; model: string };
  /** Facts about the data (rows, anomalies...), label/value pairs. */
  overview: [string, string][];
  /** Facts about the model, label/value pairs (see `summaryRows`). */
  model: [string, string][];
  /** Chart sections in page order. */
  charts: ReportChart[];
  anomalies: {
    /** Header of the id column; no id column when null. */
    idColumn: string | null;
    extraColumns: string[];
    rows: AnomalyRow[];
    /** A sentence above the table, plain text. */
    note?: string;
  };
}

/** Escapes `&`, `<`, `>`, `"` and `'` so any text is safe in element content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const CSS = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6473; --line: #dde1e7; --accent: #c0392b; --bar: #e8a29a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--fg); background: #f6f7f9; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
figure.chart { margin: 0; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.note { color: var(--muted); margin: 8px 0 0; }
dl.subject { margin-top: 8px; }
dl.subject dd { font-weight: 600; }
/* The table fits its card: headers and feature names wrap, long text cells end in an ellipsis (the full text
   is their title), and only a table that still cannot fit scrolls, inside the card, never the page. */
.table-scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
/* Text cells (id, extra columns) ask for at most 28ch and, when the table is short of room, wrap anywhere
   (so their minimum width is a few characters), showing two lines then an ellipsis. max-width does not bind
   a table cell in automatic layout, so these rules are on a block inside it. */
td.text .cut { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2; overflow: hidden; min-width: 8ch; max-width: 28ch; overflow-wrap: anywhere; }
.flag { color: var(--accent); font-weight: 600; }
ul.contrib { list-style: none; margin: 0; padding: 0; min-width: 220px; }
ul.contrib li { display: grid; grid-template-columns: minmax(0, max-content) 60px minmax(40px, 1fr); gap: 8px; align-items: center; }
/* A long feature name wraps within 36ch rather than claim the table's spare width from the other columns. */
ul.contrib li > span:first-child { max-width: 36ch; overflow-wrap: anywhere; }
ul.contrib .num { white-space: nowrap; }
.bar { height: 8px; background: var(--bar); border-radius: 2px; }
.detail { color: var(--muted); font-size: 12px; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 24px; }
`;

/** The complete HTML document. */
export function reportHtml(doc: ReportDocument): string {
  const charts = doc.charts.map(chartSection).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="latentflow ${escapeHtml(doc.version)}">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(doc.title)}</h1>
<dl class="subject">
<dt>Input</dt><dd data-subject="input">${escapeHtml(doc.subject.input)}</dd>
<dt>Model</dt><dd data-subject="model">${escapeHtml(doc.subject.model)}</dd>
</dl>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<div class="grid">
${definitionList('Data', doc.overview)}
${definitionList('Model', doc.model)}
</div>
</section>
${charts}
${anomalySection(doc.anomalies)}
</main>
<footer>
<p>Generated ${escapeHtml(doc.generatedAt)} by latentflow ${escapeHtml(doc.version)}.</p>
</footer>
</body>
</html>
`;
}

function definitionList(title: string, rows: [string, string][]): string {
  const items = rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n');
  return `<div><h3 class="note">${escapeHtml(title)}</h3><dl>\n${items}\n</dl></div>`;
}

function chartSection(chart: ReportChart): string {
  const id = escapeHtml(chart.id);
  const figure = chart.svg !== null ? `<figure class="chart" data-chart="${id}">${chart.svg}</figure>` : '';
  const note = chart.note ? `<p class="note">${escapeHtml(chart.note)}</p>` : '';
  return `<section id="${id}">\n<h2>${escapeHtml(chart.title)}</h2>\n${figure}\n${note}\n</section>`;
}

function anomalySection(a: ReportDocument['anomalies']): string {
  const head = [
    '<th>#</th>',
    '<th>Row</th>',
    a.idColumn !== null ? `<th>${escapeHtml(a.idColumn)}</th>` : '',
    '<th>Score</th>',
    '<th>Flagged</th>',
    ...a.extraColumns.map((c) => `<th>${escapeHtml(c)}</th>`),
    // Short: a long header is the column's widest content and squeezes the others (the note explains it).
    '<th>Most-contributing features</th>',
  ].join('');
  const body = a.rows
    .map((r) => {
      const cells = [
        `<td class="num">${r.rank}</td>`,
        `<td class="num">${r.rowNumber}</td>`,
        a.idColumn !== null ? textCell(r.id ?? '') : '',
        `<td class="num">${escapeHtml(formatNumber(r.score))}</td>`,
        `<td>${r.isAnomaly === null ? '—' : r.isAnomaly ? '<span class="flag">yes</span>' : 'no'}</td>`,
        ...r.extra.map(textCell),
        `<td>${contributionList(r.contributions)}</td>`,
      ].join('');
      return `<tr data-rank="${r.rank}" data-score="${escapeHtml(String(r.score))}">${cells}</tr>`;
    })
    .join('\n');
  const note = a.note ? `<p class="note">${escapeHtml(a.note)}</p>` : '';
  return `<section id="top-anomalies">
<h2>Top anomalies</h2>
${note}
<div class="table-scroll">
<table id="anomalies">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>
</section>`;
}

/** A cell of user text: at most two lines of 28 characters' width, then an ellipsis; the whole text is its tooltip. */
function textCell(value: string): string {
  const text = escapeHtml(value);
  return `<td class="text" title="${text}"><span class="cut">${text}</span></td>`;
}

function contributionList(features: FeatureContribution[] | null): string {
  if (features === null) return '<span class="detail">no breakdown (missing feature values)</span>';
  const items = features.map((f) => {
    const pct = f.share * 100;
    return (
      `<li><span>${escapeHtml(f.feature)} <span class="detail">${escapeHtml(typeof f.value === 'string' ? f.value : formatNumber(f.value))}${f.reconstruction === null ? '' : ` → ${escapeHtml(formatNumber(f.reconstruction))}`}</span></span>` +
      `<span class="num">${pct.toFixed(1)} %</span><span class="bar" style="width:${Math.max(0, Math.min(100, pct)).toFixed(1)}%"></span></li>`
    );
  });
  return `<ul class="contrib">${items.join('')}</ul>`;
}
