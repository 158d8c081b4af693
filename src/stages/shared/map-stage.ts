import type { RecordBatch, Schema } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../../errors.js';
import { float32Column, takeRows, withColumns } from '../../io/batch.js';
import { extractFeatures, finiteColumnMeans, resolveFeatures, type MissingPolicy } from '../../io/features.js';
import { concatRows, type Matrix } from '../../models/matrix.js';
import { Scaler, type ScalerMethod } from '../../models/scaler.js';
import type { StageContext, Transform } from '../../contract/stage.js';
import { excludeParam, onMissingParam, outputPrefixParam } from './params.js';

/**
 * The shared body of the 2-D map stages (`umap`, `tsne`): which columns go in, how they are cleaned and
 * scaled, which columns come out. Both stages hold every row, fit once, then emit every input batch in order
 * with the coordinate columns appended.
 */

/** Param fields both map stages share (spread into each stage's `z.strictObject`). */
export const mapInputParams = {
  features: z
    .union([z.literal('numeric'), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('Feature columns by name, or "numeric" for every numeric column not in `exclude` (default "numeric"; not with `prefix`)'),
  prefix: z
    .string()
    .min(1)
    .optional()
    .describe('Map the code columns <prefix>0, <prefix>1, ... instead, e.g. z after an encode stage (not with `features`)'),
  exclude: excludeParam,
  scaler: z
    .enum(['standard', 'minmax', 'robust', 'none'])
    .default('none')
    .describe('Scaling fitted on these rows before mapping: none keeps the geometry of codes; standard for raw columns in different units'),
  onMissing: onMissingParam.default('error'),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Names of the output coordinate columns, one per component (default x, y, z)'),
  outputPrefix: outputPrefixParam,
};

/** The shared params after parsing. */
export interface MapInputParams {
  features?: 'numeric' | string[];
  prefix?: string;
  exclude: string[];
  scaler: ScalerMethod;
  onMissing: MissingPolicy;
  columns?: string[];
  outputPrefix: string;
  nComponents: number;
  maxRows: number;
}

const DEFAULT_COLUMNS = ['x', 'y', 'z'];

/** Cross-field checks of the shared params, as zod issues so spec errors point at the key. */
export function refineMapParams(p: { features?: unknown; prefix?: string; columns?: string[]; nComponents: number }, ctx: z.RefinementCtx): void {
  if (p.features !== undefined && p.prefix !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'give either features or prefix, not both' });
  }
  if (p.columns !== undefined && p.columns.length !== p.nComponents) {
    ctx.addIssue({ code: 'custom', path: ['columns'], message: `name ${p.nComponents} columns, one per component (nComponents=${p.nComponents}); received ${p.columns.length}` });
  }
  if (p.columns === undefined && p.nComponents > DEFAULT_COLUMNS.length) {
    ctx.addIssue({ code: 'custom', path: ['nComponents'], message: `name the ${p.nComponents} output columns with columns: [...] (default names cover 3)` });
  }
  if (p.columns !== undefined && new Set(p.columns).size !== p.columns.length) {
    ctx.addIssue({ code: 'custom', path: ['columns'], message: 'output column names must be distinct' });
  }
}

/** Output coordinate column names. */
export function outputColumns(p: Pick<MapInputParams, 'columns' | 'nComponents' | 'outputPrefix'>): string[] {
  return (p.columns ?? DEFAULT_COLUMNS.slice(0, p.nComponents)).map((name) => `${p.outputPrefix}${name}`);
}

/**
 * The feature columns to map: `<prefix>0..` sorted by their number, or `features` / every numeric column not
 * in `exclude`.
 */
export function mapFeatures(schema: Schema, p: Pick<MapInputParams, 'features' | 'prefix' | 'exclude'>): string[] {
  if (p.prefix === undefined) return resolveFeatures(schema, p.features ?? 'numeric', p.exclude);
  const pattern = new RegExp(`^${p.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)$`);
  const found = schema.fields
    .map((f) => ({ name: f.name, match: pattern.exec(f.name) }))
    .filter((f) => f.match !== null && !p.exclude.includes(f.name))
    .sort((a, b) => Number(a.match![1]) - Number(b.match![1]));
  if (found.length === 0) {
    throw new DataError(`no code columns ${p.prefix}0, ${p.prefix}1, ... in the input; put an encode stage before this one or set features`, {
      expected: `columns named ${p.prefix}<number>`,
      received: schema.fields.map((f) => f.name).join(', ') || 'no columns',
    });
  }
  return found.map((f) => f.name);
}

/** What a map stage's model gets: the cleaned (and scaled) rows, in input order. */
export type FitMap = (x: Matrix) => Promise<{ coords: Matrix; stats: Record<string, unknown> }>;

/**
 * A transform that buffers every batch (at most `maxRows` rows; `tooMany` builds the error), extracts and
 * scales the features, calls `fitMap` once, then yields each input batch (rows dropped by `onMissing: drop`
 * left out) with the coordinate columns appended. Input batches are never modified.
 */
export function mapStage(
  name: string,
  p: MapInputParams,
  ctx: StageContext,
  fitMap: FitMap,
  tooMany: (rows: number) => Error,
): Transform {
  const names = outputColumns(p);
  let stats: Record<string, unknown> = {};
  return {
    kind: 'transform',
    async *transform(input) {
      const batches: RecordBatch[] = [];
      let rows = 0;
      for await (const batch of input) {
        rows += batch.numRows;
        if (rows > p.maxRows) throw tooMany(rows);
        batches.push(batch);
      }
      if (rows === 0) return;
      const schema = batches[0].schema;
      const features = mapFeatures(schema, p);
      const taken = names.filter((n) => schema.fields.some((f) => f.name === n));
      if (taken.length > 0) {
        throw new DataError(
          `${name}: output column${taken.length > 1 ? 's' : ''} ${taken.map((n) => `"${n}"`).join(', ')} already in the input; name the coordinate columns with columns: [...] or set outputPrefix (e.g. outputPrefix: "lf_"); input columns are never overwritten`,
          { expected: `no columns named ${names.join(', ')}`, received: schema.fields.map((f) => f.name).join(', ') },
        );
      }
      const impute = p.onMissing === 'impute' ? finiteColumnMeans(batches, features) : undefined;
      const extracted = batches.map((b, i) => extractFeatures(b, i, features, p.onMissing, impute));
      const invalidRows = extracted.reduce((n, e) => n + e.invalidRows, 0);
      if (invalidRows > 0) ctx.logger.warn({ invalidRows, policy: p.onMissing }, `${invalidRows} rows had missing feature values (${p.onMissing})`);
      let x = concatRows(extracted.map((e) => e.matrix), features.length);
      if (p.scaler !== 'none') x = new Scaler(p.scaler).fit(x).transform(x);
      ctx.logger.info({ rows: x.rows, features, scaler: p.scaler }, `${name}: mapping ${x.rows} rows x ${features.length} features to ${names.join(', ')}`);
      const started = performance.now();
      const { coords, stats: fitStats } = await fitMap(x);
      const mapMs = Math.round(performance.now() - started);
      stats = { rows: x.rows, droppedRows: p.onMissing === 'drop' ? invalidRows : 0, features: features.length, ...fitStats, mapMs };
      ctx.logger.info(stats, `${name}: ${x.rows} rows mapped in ${mapMs} ms`);

      const k = coords.cols;
      let at = 0;
      for (let i = 0; i < batches.length; i++) {
        const { matrix, keptRows } = extracted[i];
        const columns = names.map((column, c) => {
          const values = new Float32Array(matrix.rows);
          for (let r = 0; r < matrix.rows; r++) values[r] = coords.data[(at + r) * k + c];
          return float32Column(column, values);
        });
        at += matrix.rows;
        yield withColumns(keptRows ? takeRows(batches[i], keptRows) : batches[i], columns, { stage: name, option: 'outputPrefix' });
      }
    },
    async close() {},
    stats: () => stats,
  };
}
