import { DataType, type RecordBatch, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import { META } from '../io/batch-meta.js';
import { isNumericField, isNumericType } from '../io/features.js';
import { seededRandom, type Random } from '../models/random.js';
import { inferColorType } from '../plots/scatter.js';

/**
 * What the report keeps from a stream of scored batches, in bounded memory whatever the row count: the
 * scores (for the histogram, up to `maxScores`), the `topN` highest-scoring rows with their feature values
 * (for the anomaly table), and a seeded sample of map points (up to `maxPoints`).
 */

/**
 * The `capacity` items with the highest scores seen so far, in a min-heap: offering a row costs O(1) when it
 * does not qualify and O(log capacity) when it does. Among equal scores the earlier row is kept, so the
 * result does not depend on batch boundaries.
 */
export class TopN<T> {
  private readonly heap: { score: number; seq: number; item: T }[] = [];
  private seq = 0;

  /** `capacity`: items kept; integer >= 0. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`TopN: capacity must be an integer >= 0, received ${capacity}`);
  }

  /** Items held (at most `capacity`). */
  get size(): number {
    return this.heap.length;
  }

  /**
   * True when a row with `score` would enter now; lets callers skip building the item. NaN never
   * qualifies (a row without a score cannot rank).
   */
  accepts(score: number): boolean {
    if (Number.isNaN(score) || this.capacity === 0) return false;
    return this.heap.length < this.capacity || score > this.heap[0].score;
  }

  /** Offers a row; `make` is called only when it enters. Returns whether it entered. */
  offer(score: number, make: () => T): boolean {
    const seq = this.seq++;
    if (!this.accepts(score)) return false;
    const entry = { score, seq, item: make() };
    if (this.heap.length < this.capacity) {
      this.heap.push(entry);
      this.siftUp(this.heap.length - 1);
    } else {
      this.heap[0] = entry;
      this.siftDown(0);
    }
    return true;
  }

  /** The kept items, highest score first (ties: earlier offer first). */
  sorted(): { score: number; item: T }[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.seq - b.seq).map(({ score, item }) => ({ score, item }));
  }

  /** Heap order: the lower score is "smaller"; for equal scores the later offer is, so it is evicted first. */
  private less(i: number, j: number): boolean {
    const a = this.heap[i];
    const b = this.heap[j];
    return a.score < b.score || (a.score === b.score && a.seq > b.seq);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      [this.heap[i], this.heap[parent]] = [this.heap[parent], this.heap[i]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.less(l, min)) min = l;
      if (r < n && this.less(r, min)) min = r;
      if (min === i) return;
      [this.heap[i], this.heap[min]] = [this.heap[min], this.heap[i]];
      i = min;
    }
  }
}

/**
 * A uniform sample of at most `capacity` items from a stream of unknown length (reservoir sampling,
 * Algorithm R), drawn from `random`: the same seed and stream give the same sample.
 */
export class Reservoir<T> {
  private readonly items: T[] = [];
  private seen = 0;

  constructor(
    readonly capacity: number,
    private readonly random: Random,
  ) {}

  /** Items offered so far. */
  get offered(): number {
    return this.seen;
  }

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.items[j] = item;
  }

  /** The sample, in no particular order. */
  sample(): T[] {
    return [...this.items];
  }
}

/** One of the highest-scoring rows. */
export interface TopRow {
  /** 1-based position of the row in the stream (over all batches). */
  rowNumber: number;
  score: number;
  /** The flag column's value; null when there is no flag column or the value is null. */
  isAnomaly: boolean | null;
  /** The id column's value as text; null without an id column. */
  id: string | null;
  /** Values of the detector's features, in its order (NaN where null or not finite). */
  features: Float32Array;
  /**
   * With {@link CollectorOptions.encodeRows} (a model with non-numeric features): the row as the model's
   * encoded matrix row (null when a missing value kept it from being encoded), and the feature values as text.
   */
  encoded?: Float32Array | null;
  featureText?: string[];
  /** Values of the extra columns asked for, as text (empty for null). */
  extra: string[];
}

/** One point of the 2-D map. */
export interface MapPoint {
  x: number;
  y: number;
  color: number | string | boolean | null;
}

/** Options of {@link ReportCollector}. */
export interface CollectorOptions {
  /** The detector's feature columns, in its order; read for the top rows only. */
  features: readonly string[];
  /** Rows kept for the anomaly table; integer >= 0. */
  topN: number;
  /** Scores kept for the histogram (the first ones, rows); later rows are counted, not kept. */
  maxScores: number;
  /** Map points kept (a seeded uniform sample, points). */
  maxPoints: number;
  /** Seed of the map sample. */
  seed: number;
  /** Id column shown in the anomaly table, if any. */
  idColumn?: string;
  /** Further columns shown in the anomaly table. */
  extraColumns?: readonly string[];
  /** Map coordinate columns; no map is collected when either is absent from the data. */
  x?: string;
  y?: string;
  /** Column colouring the map points, if present. */
  color?: string;
  /**
   * For a model with non-numeric features: gives, per batch, the encoded model row of a batch row (null when
   * it cannot be encoded); called for the top rows only, so a batch is encoded only when one of its rows is.
   */
  encodeRows?: (batch: RecordBatch, batchIndex: number) => (row: number) => Float32Array | null;
}

/** Input names kept for the report header (a source reads one file or topic list; more is a long list). */
export const MAX_INPUTS = 5;

/** Everything the report needs from the rows, once the stream has ended. */
export interface ReportData {
  /**
   * What the rows were read from, in the order first seen: file paths (the sources' `latentflow.file`
   * metadata) and `Kafka topic …` entries; empty for batches that name neither (in-memory). At most
   * {@link MAX_INPUTS}; `hasMoreInputs` says when more were seen.
   */
  inputs: string[];
  hasMoreInputs: boolean;
  /** Rows seen (scored). */
  rows: number;
  /** Scores of the first `scores.length` rows. */
  scores: Float32Array;
  /** True when more rows arrived than `maxScores`, so the histogram shows the first ones only. */
  isScoresTruncated: boolean;
  /** Rows flagged by the flag column over all rows; null when no row had a flag. */
  anomalies: number | null;
  /** The top rows, highest score first. */
  top: TopRow[];
  /** Map points (a sample when `mapRows` exceeds `maxPoints`); empty when `hasMap` is false. */
  points: MapPoint[];
  /** Rows with both coordinates finite. */
  mapRows: number;
  /** True when the x and y columns were present. */
  hasMap: boolean;
  /**
   * How the colour column reads: `nominal` for bool and text, and for numbers that are few distinct
   * integers (0/1 flags, class ids; `inferColorType` of the map sample), which then get a palette (anomalies
   * in the alarm colour, on top); `quantitative` for other numbers (scores); null without a colour column.
   */
  colorType: 'nominal' | 'quantitative' | null;
}

/**
 * Collects {@link ReportData} from batches, one at a time (`add`), then `result()`. Scores and flags are
 * given per batch (they may come from the batch's columns or be computed by the caller).
 */
export class ReportCollector {
  private readonly top: TopN<TopRow>;
  private readonly points: Reservoir<MapPoint>;
  private scores: Float32Array;
  private stored = 0;
  private rows = 0;
  private anomalies = 0;
  private hasFlags = false;
  private hasMap: boolean | undefined;
  private mapRows = 0;
  private colorType: 'nominal' | 'quantitative' | null = null;
  private readonly inputs = new Set<string>();
  private hasMoreInputs = false;

  constructor(private readonly options: CollectorOptions) {
    this.top = new TopN(options.topN);
    this.points = new Reservoir(options.maxPoints, seededRandom(options.seed));
    this.scores = new Float32Array(Math.min(options.maxScores, 1024));
  }

  /**
   * Takes one batch: `scores[i]` and `flags?.[i]` belong to row `rows[i]` of `batch` (all rows when `rows`
   * is omitted; a subset when the caller dropped rows it could not score).
   */
  add(batch: RecordBatch, batchIndex: number, scores: ArrayLike<number>, flags: ArrayLike<boolean | null> | null, rows?: ArrayLike<number>): void {
    const o = this.options;
    this.noteInput(batch);
    const id = o.idColumn !== undefined ? requireColumn(batch, batchIndex, o.idColumn, 'idColumn') : null;
    const extra = (o.extraColumns ?? []).map((name) => requireColumn(batch, batchIndex, name, 'columns'));
    const xs = o.x !== undefined ? batch.getChild(o.x) : null;
    const ys = o.y !== undefined ? batch.getChild(o.y) : null;
    // The map is decided on the first batch: every batch of one stream has the same columns.
    if (this.hasMap === undefined) {
      const fieldOf = (name: string | undefined) => (name === undefined ? undefined : batch.schema.fields.find((f) => f.name === name));
      const [xField, yField] = [fieldOf(o.x), fieldOf(o.y)];
      this.hasMap = xs !== null && ys !== null && xField !== undefined && yField !== undefined && isNumericField(xField) && isNumericField(yField);
      const colorField = fieldOf(o.color);
      if (this.hasMap && colorField) this.colorType = isNumericField(colorField) ? 'quantitative' : 'nominal';
    }
    const colors = this.colorType !== null ? batch.getChild(o.color!) : null;
    const features = o.features.map((name) => batch.getChild(name));
    let encodedRow: ((row: number) => Float32Array | null) | undefined;
    const encoded = o.encodeRows ? (row: number) => (encodedRow ??= o.encodeRows!(batch, batchIndex))(row) : null;
    for (let i = 0; i < scores.length; i++) {
      const r = rows ? rows[i] : i;
      const score = Number(scores[i]);
      const flag = flags ? flags[i] : null;
      if (flag !== null) {
        this.hasFlags = true;
        if (flag) this.anomalies++;
      }
      this.rows++;
      this.storeScore(score);
      const rowNumber = this.rows;
      this.top.offer(score, () => ({
        rowNumber,
        score,
        isAnomaly: flag,
        id: id ? text(id.get(r)) : null,
        features: Float32Array.from(features, (v) => (v ? toNumber(v.get(r)) : Number.NaN)),
        ...(encoded ? { encoded: encoded(r), featureText: features.map((v) => (v ? text(v.get(r)) : '')) } : {}),
        extra: extra.map((v) => text(v.get(r))),
      }));
      if (this.hasMap) {
        const x = toNumber(xs!.get(r));
        const y = toNumber(ys!.get(r));
        if (Number.isFinite(x) && Number.isFinite(y)) {
          this.mapRows++;
          this.points.offer({ x, y, color: colors ? colorValue(colors.get(r), this.colorType!) : null });
        }
      }
    }
  }

  result(): ReportData {
    return {
      inputs: [...this.inputs],
      hasMoreInputs: this.hasMoreInputs,
      rows: this.rows,
      scores: this.scores.slice(0, this.stored),
      isScoresTruncated: this.rows > this.stored,
      anomalies: this.hasFlags ? this.anomalies : null,
      top: this.top.sorted().map(({ item }) => item),
      points: this.hasMap ? this.points.sample() : [],
      mapRows: this.mapRows,
      hasMap: this.hasMap === true,
      colorType: this.colorType === 'quantitative' ? inferColorType(this.points.sample().map((p) => p.color)) : this.colorType,
    };
  }

  /** Records the file or topics the batch says it came from. */
  private noteInput(batch: RecordBatch): void {
    const meta = batch.schema.metadata;
    const file = meta.get(META.file);
    const topics = meta.get(META.topics);
    const name = file ?? (topics !== undefined ? `Kafka topic${topics.includes(',') ? 's' : ''} ${topics.split(',').join(', ')}` : undefined);
    if (name === undefined || this.inputs.has(name)) return;
    if (this.inputs.size < MAX_INPUTS) this.inputs.add(name);
    else this.hasMoreInputs = true;
  }

  /** Appends a score while fewer than `maxScores` are held, doubling the buffer as needed. */
  private storeScore(score: number): void {
    if (this.stored >= this.options.maxScores) return;
    if (this.stored === this.scores.length) {
      const grown = new Float32Array(Math.min(this.options.maxScores, this.scores.length * 2));
      grown.set(this.scores);
      this.scores = grown;
    }
    this.scores[this.stored++] = score;
  }
}

function requireColumn(batch: RecordBatch, batchIndex: number, name: string, param: string): Vector {
  const v = batch.getChild(name);
  if (!v) {
    throw new DataError(`report: no column "${name}" (set by \`${param}\`); the rows have ${batch.schema.fields.map((f) => f.name).join(', ')}`, {
      batch: batchIndex,
      column: name,
      expected: 'a column of that name',
      received: 'missing',
    });
  }
  return v;
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return Number.NaN;
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function colorValue(value: unknown, type: 'nominal' | 'quantitative'): number | string | boolean | null {
  if (value === null || value === undefined) return null;
  if (type === 'quantitative') return toNumber(value);
  return typeof value === 'boolean' ? value : String(value);
}

/**
 * The values of flag column `name` as booleans (bool columns as they are, numbers: non-zero is true), or
 * null when the batch has no such column or it is neither bool nor numeric.
 */
export function flagsOf(batch: RecordBatch, name: string): (boolean | null)[] | null {
  const v = batch.getChild(name);
  if (!v || !(DataType.isBool(v.type) || isNumericType(v.type))) return null;
  const out = new Array<boolean | null>(batch.numRows);
  for (let r = 0; r < out.length; r++) {
    const value = v.get(r) as unknown;
    out[r] = value === null || value === undefined ? null : Boolean(typeof value === 'bigint' ? value !== 0n : value);
  }
  return out;
}
