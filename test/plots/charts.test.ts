import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { binSeries } from '../../src/plots/bins.js';
import { LOSS_COLORS, lossCurvesSpec } from '../../src/plots/loss-curves.js';
import { svgToPng, vegaLiteToSvg, type TopLevelSpec } from '../../src/plots/render.js';
import { alarmScale, CLASS_COLORS, FLAG_COLORS, inferColorType, MISSING_COLOR, scatterSpec, type ScatterPoint } from '../../src/plots/scatter.js';
import { LOG_COUNT_RATIO, prefersLogCounts, scoreHistogramSpec } from '../../src/plots/score-histogram.js';

/**
 * The chart spec builders render to SVG that parses as XML (a small strict parser below, and resvg's, which
 * rejects malformed XML) and to a PNG of twice the SVG size, and the marks in the SVG match the data: one
 * symbol per scatter point, one bar per non-empty bin, a rule at the threshold, one line per loss series.
 */

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict little XML parser for Vega's SVG output: tags must nest and close, attributes must be quoted. */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    const [, close, open, attrText, selfClose, text, stray] = m;
    const top = stack[stack.length - 1];
    if (stray) throw new Error(`malformed tag at offset ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (text !== undefined) {
      top.text += text;
    } else if (close) {
      if (top.name !== close) throw new Error(`</${close}> closes <${top.name}> at offset ${m.index}`);
      stack.pop();
    } else if (open) {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]} on <${open}>`);
        attrs[a[1]] = a[2];
      }
      const el: XmlElement = { name: open, attrs, children: [], text: '' };
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1 || root.children[0].name !== 'svg') throw new Error('expected a single <svg> root');
  return root.children[0];
}

function* walk(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

/** The drawn items (one element each) of every data mark of type `mark` (`symbol`, `rect`, `rule`, `line`, `text`). */
function marks(svg: XmlElement, mark: string): XmlElement[] {
  const groups = [...walk(svg)].filter((el) => el.name === 'g' && (el.attrs.class ?? '').split(' ').includes(`mark-${mark}`) && el.attrs.class.includes('role-mark'));
  return groups.flatMap((g) => g.children);
}

/** x of a `translate(x,y)` transform. */
function translateX(el: XmlElement): number {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(el.attrs.transform ?? '');
  if (!m) throw new Error(`no translate() on <${el.name}>`);
  return Number(m[1]);
}

/** Renders the spec, checks that the SVG parses and the PNG decodes at twice its size, and returns the SVG tree. */
async function render(spec: TopLevelSpec): Promise<XmlElement> {
  const text = await vegaLiteToSvg(spec);
  const svg = parseXml(text);
  const width = Number(svg.attrs.width);
  const height = Number(svg.attrs.height);
  expect(width).toBeGreaterThan(0);
  const png = PNG.sync.read(Buffer.from(svgToPng(text)));
  expect([png.width, png.height]).toEqual([Math.round(2 * width), Math.round(2 * height)]);
  return svg;
}

describe('parseXml (the test helper)', () => {
  test('refuses malformed XML', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(/closes <g>/);
    expect(() => parseXml('<svg><path d=1/></svg>')).toThrow(/malformed/);
    expect(parseXml('<svg width="2"><g class="a"><path d="M0"/></g></svg>').children[0].children).toHaveLength(1);
  });
});

describe('scatterSpec', () => {
  const random = seededRandom(5);
  const points: ScatterPoint[] = Array.from({ length: 137 }, (_, i) => ({ x: gaussian(random), y: gaussian(random), color: i % 10 === 3 }));

  test('draws exactly one symbol per point, anomalies red and on top of the grey normal points', async () => {
    const svg = await render(scatterSpec(points, { colorField: 'is_anomaly', title: 'codes', xTitle: 'umap0', yTitle: 'umap1' }));
    const symbols = marks(svg, 'symbol');
    expect(symbols).toHaveLength(137);
    const fills = symbols.map((s) => s.attrs.fill);
    const anomalies = points.filter((p) => p.color === true).length;
    expect(fills.filter((f) => f === FLAG_COLORS.anomaly)).toHaveLength(anomalies);
    expect(fills.filter((f) => f === FLAG_COLORS.normal)).toHaveLength(137 - anomalies);
    // Drawn last, so on top.
    expect(fills.slice(-anomalies).every((f) => f === FLAG_COLORS.anomaly)).toBe(true);
    expect([...walk(svg)].some((el) => el.text.includes('umap0'))).toBe(true);
  });

  test('a label naming its anomalies (normal/anomaly) draws them last, in the alarm red, over muted grey normal rows', async () => {
    // Anomalies first in the data: the order a label column has no reason to follow.
    const labelled = points.map((p, i) => ({ ...p, color: i < 9 ? 'anomaly' : 'normal' }));
    const symbols = marks(await render(scatterSpec(labelled, { colorField: 'label' })), 'symbol');
    const fills = symbols.map((s) => s.attrs.fill);
    expect(fills).toHaveLength(137);
    expect(fills.slice(-9)).toEqual(new Array(9).fill(FLAG_COLORS.anomaly));
    expect(fills.slice(0, -9).every((f) => f === FLAG_COLORS.normal)).toBe(true);
  });

  test('a label with a normal value and several fault kinds: normal grey and first, each kind its own non-grey, non-red color on top', async () => {
    const kinds = ['leak', 'Normal', 'overheat'];
    const labelled = points.map((p, i) => ({ ...p, color: i % 10 === 0 ? kinds[0] : i % 10 === 1 ? kinds[2] : kinds[1] }));
    const fills = marks(await render(scatterSpec(labelled, { colorField: 'label' })), 'symbol').map((s) => s.attrs.fill);
    const normals = labelled.filter((p) => p.color === 'Normal').length;
    expect(fills.slice(0, normals).every((f) => f === FLAG_COLORS.normal)).toBe(true);
    const faults = fills.slice(normals);
    expect(new Set(faults)).toEqual(new Set(CLASS_COLORS.slice(0, 2)));
    expect(alarmScale(['0', '1'])).toMatchObject({ range: [FLAG_COLORS.normal, FLAG_COLORS.anomaly] });
    expect(alarmScale(['leak', 'normal'])).toMatchObject({ domain: ['normal', 'leak'], range: [FLAG_COLORS.normal, FLAG_COLORS.anomaly], layers: [1, 3] });
  });

  test('labels that name neither normal rows nor anomalies (digit classes, kinds of pump) get the plain palette, no grey or red', async () => {
    expect(alarmScale(['0', '1', '2'])).toBeUndefined();
    expect(alarmScale(['fan', 'pump', 'valve'])).toBeUndefined();
    const digits = points.map((p, i) => ({ ...p, color: i % 10 }));
    const fills = new Set(marks(await render(scatterSpec(digits, { colorField: 'digit' })), 'symbol').map((s) => s.attrs.fill));
    expect(fills.size).toBe(10);
    expect(fills.has(FLAG_COLORS.anomaly) || fills.has(FLAG_COLORS.normal)).toBe(false);
  });

  test('a quantitative color draws every point on viridis, the highest value last', async () => {
    const scored = points.map((p, i) => ({ ...p, color: (i * 37) % 101 }));
    const symbols = marks(await render(scatterSpec(scored, { colorField: 'score', colorType: 'quantitative' })), 'symbol');
    expect(symbols).toHaveLength(137);
    // Viridis ends in yellow rgb(253, 231, 37).
    expect(symbols[symbols.length - 1].attrs.fill).toBe('rgb(253, 231, 37)');
    expect(new Set(symbols.map((s) => s.attrs.fill)).size).toBeGreaterThan(50);
  });

  test('string labels get one color each; points without a color are still drawn; unplaceable points are left out', async () => {
    const labelled: ScatterPoint[] = points.map((p, i) => ({ ...p, color: i % 7 === 0 ? null : `class-${i % 3}` }));
    labelled.push({ x: Number.NaN, y: 1, color: 'class-0' }, { x: 1, y: Number.POSITIVE_INFINITY });
    const symbols = marks(await render(scatterSpec(labelled, { colorField: 'label' })), 'symbol');
    expect(symbols).toHaveLength(137);
    expect(new Set(symbols.map((s) => s.attrs.fill)).size).toBe(4);
    expect(symbols.filter((s) => s.attrs.fill === MISSING_COLOR)).toHaveLength(points.filter((_, i) => i % 7 === 0).length);
  });

  test('no points and no color still render a valid, empty chart', async () => {
    expect(marks(await render(scatterSpec([])), 'symbol')).toHaveLength(0);
    expect(marks(await render(scatterSpec(points.map(({ x, y }) => ({ x, y })))), 'symbol')).toHaveLength(137);
  });

  test('inferColorType: strings and booleans are nominal, few integers nominal, fractions or many integers quantitative', () => {
    expect(inferColorType([true, false, null])).toBe('nominal');
    expect(inferColorType(['a', 1])).toBe('nominal');
    expect(inferColorType([0, 1, 1, 0, null])).toBe('nominal');
    expect(inferColorType([0.5, 1])).toBe('quantitative');
    expect(inferColorType(Array.from({ length: 11 }, (_, i) => i))).toBe('quantitative');
    expect(inferColorType([])).toBe('nominal');
  });
});

describe('scoreHistogramSpec', () => {
  // 0..9 with nothing in [4, 6): with 10 bins over [0, 9], bins 4 and 5 are empty.
  const scores = Float64Array.from([0, 0.5, 1, 1.2, 2, 3, 3.5, 6.5, 7, 8, 9, 9, Number.NaN]);

  test('one bar per non-empty bin, and a labelled rule at the threshold x position', async () => {
    const [binned] = binSeries([{ label: 's', values: scores }], 10);
    const nonEmpty = binned.counts.filter((c) => c > 0).length;
    expect(nonEmpty).toBeLessThan(10);
    const widthPx = 400;
    const svg = await render(scoreHistogramSpec(scores, { bins: 10, threshold: 7.25, widthPx, title: 'scores' }));
    expect(marks(svg, 'rect')).toHaveLength(nonEmpty);
    const rules = marks(svg, 'rule');
    expect(rules).toHaveLength(1);
    // The x axis spans exactly [min, max] = [0, 9] (no nice rounding), so 7.25 sits at 7.25 / 9 of the width.
    expect(translateX(rules[0])).toBeCloseTo((7.25 / 9) * widthPx, 0);
    expect(marks(svg, 'text').map((t) => t.text)).toEqual(['threshold 7.25']);
  });

  test('a threshold beyond the scores widens the axis to include it; no threshold draws no rule', async () => {
    const svg = await render(scoreHistogramSpec(scores, { bins: 10, threshold: 18, widthPx: 360 }));
    expect(translateX(marks(svg, 'rule')[0])).toBeCloseTo(360, 0);
    const plain = await render(scoreHistogramSpec(scores, { bins: 10, threshold: null }));
    expect(marks(plain, 'rule')).toHaveLength(0);
  });

  test('a log count axis still draws every non-empty bin, including one-row bins, with a positive height', async () => {
    const random = seededRandom(3);
    const heavy = Float64Array.from({ length: 3000 }, () => Math.exp(2 * gaussian(random)));
    const [binned] = binSeries([{ label: 's', values: heavy }], 30);
    expect(binned.counts).toContain(1);
    const bars = marks(await render(scoreHistogramSpec(heavy, { bins: 30, logY: true, threshold: 20 })), 'rect');
    expect(bars).toHaveLength(binned.counts.filter((c) => c > 0).length);
    for (const bar of bars) {
      const height = /v(-?[\d.]+)/.exec(bar.attrs.d)![1];
      expect(Math.abs(Number(height))).toBeGreaterThan(1);
    }
  });

  test('by default a heavy tail (99 % of scores near 0, 1 % far out) gets a log count axis, so every tail bin is a visible bar', async () => {
    const random = seededRandom(8);
    const near = Array.from({ length: 990 }, () => 0.01 * random());
    const far = Array.from({ length: 10 }, (_, i) => 5 + i * 0.5);
    const scores = Float64Array.from([...near, ...far]);
    const [binned] = binSeries([{ label: 's', values: scores }], 40);
    expect(prefersLogCounts(binned.counts)).toBe(true);
    const heights = (svg: XmlElement) => marks(svg, 'rect').map((bar) => Math.abs(Number(/v(-?[\d.]+)/.exec(bar.attrs.d)![1])));
    const heightPx = 240;
    const byDefault = heights(await render(scoreHistogramSpec(scores, { bins: 40, heightPx })));
    // One bar per non-empty bin: the bulk in the first, the 10 far scores in bins of their own.
    expect(byDefault).toHaveLength(binned.counts.filter((c) => c > 0).length);
    expect(byDefault.length).toBeGreaterThan(5);
    const tail = byDefault.slice(1);
    // A one-row bin on the log axis (0.6 .. ~1000 rows over 240 px) is about 16 px tall.
    for (const h of tail) expect(h).toBeGreaterThan(10);
    // Forced linear, the same tail bars are under 1 px: the chart the issue saw.
    const linear = heights(await render(scoreHistogramSpec(scores, { bins: 40, heightPx, logY: false })));
    for (const h of linear.slice(1)) expect(h).toBeLessThan(1);
    expect(Math.max(...linear)).toBeGreaterThan(0.9 * heightPx);
  });

  test('prefersLogCounts: log past LOG_COUNT_RATIO between the tallest and the smallest non-empty bin, linear below it', () => {
    expect(prefersLogCounts([LOG_COUNT_RATIO + 1, 0, 1])).toBe(true);
    expect(prefersLogCounts([LOG_COUNT_RATIO, 0, 1])).toBe(false);
    expect(prefersLogCounts([30, 40, 25, 12])).toBe(false);
    expect(prefersLogCounts([0, 0])).toBe(false);
  });

  test('refuses a bad bin count', () => {
    expect(() => scoreHistogramSpec([1, 2], { bins: 0 })).toThrow(/bins must be an integer >= 1/);
  });
});

describe('lossCurvesSpec', () => {
  const history = { loss: [1, 0.6, 0.45, 0.4, 0.38, 0.37], valLoss: [1.1, 0.7, 0.5, 0.48, 0.49, 0.5], bestEpoch: 4 };

  test('two lines with validation loss, one without, and a rule at the best epoch', async () => {
    const widthPx = 500;
    const svg = await render(lossCurvesSpec(history, { widthPx, title: 'fit' }));
    const lines = marks(svg, 'line');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.attrs.stroke).sort()).toEqual([LOSS_COLORS.training, LOSS_COLORS.validation].sort());
    // Each line passes through all 6 epochs: a move then 5 segments.
    for (const line of lines) expect(line.attrs.d.match(/[ML]/g)).toHaveLength(6);
    const rule = marks(svg, 'rule');
    expect(rule).toHaveLength(1);
    expect(translateX(rule[0])).toBeCloseTo(((4 - 1) / (6 - 1)) * widthPx, 0);
    expect(marks(svg, 'text').map((t) => t.text)).toEqual(['best epoch 4']);

    const single = await render(lossCurvesSpec({ loss: history.loss }, { logY: true }));
    expect(marks(single, 'line')).toHaveLength(1);
    expect(marks(single, 'rule')).toHaveLength(0);
  });
});
