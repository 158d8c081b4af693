import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';

// vega, vega-lite and resvg load on first use: together they took most of a second, which every command
// paid at start (the registry imports the chart sinks), charts or not.
const require = createRequire(import.meta.url);

/**
 * Chart rendering without a browser: a Vega-Lite spec is compiled to Vega (`vega-lite`), laid out and drawn
 * to SVG by a headless Vega view (`renderer: 'none'`, `toSVG()`), and the SVG is rasterised to PNG by resvg
 * (`@resvg/resvg-js`, Rust, with the system fonts). Text is measured by Vega's estimate (no canvas).
 */

export type { TopLevelSpec } from 'vega-lite';

/** Output format of a chart, chosen from a file extension by {@link plotFormatOf}. */
export type PlotFormat = 'png' | 'svg';

/** PNG rasterisation options. */
export interface PngOptions {
  /** Pixels per SVG unit; 2 gives crisp text on high-DPI screens. Default 2. */
  scale?: number;
  /** Background colour behind transparent areas. Default `white`. */
  background?: string;
}

/**
 * Fonts tried in order by resvg for chart text (Vega's default is the generic `sans-serif`, which resvg maps
 * to Arial and, when absent, to whatever font comes first, often a serif one).
 */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, Liberation Sans, sans-serif';

/** The SVG text of a Vega-Lite chart (fonts default to {@link CHART_FONT} unless the spec's config sets one). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withFont = { ...spec, config: { font: CHART_FONT, ...spec.config } } as TopLevelSpec;
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(withFont).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG bytes of an SVG document. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: options.background ?? 'white',
    font: { loadSystemFonts: true },
  }).render();
  return image.asPng();
}

/** A Vega-Lite chart as PNG bytes or SVG text. */
export async function renderVegaLite(spec: TopLevelSpec, format: PlotFormat, options: PngOptions = {}): Promise<Uint8Array | string> {
  const svg = await vegaLiteToSvg(spec);
  return format === 'svg' ? svg : svgToPng(svg, options);
}

/** `svg` for paths ending in .svg, else `png`. */
export function plotFormatOf(file: string): PlotFormat {
  return file.toLowerCase().endsWith('.svg') ? 'svg' : 'png';
}
