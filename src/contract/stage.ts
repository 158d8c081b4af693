import type { RecordBatch } from 'apache-arrow';
import type { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import type { Progress } from '../runtime/progress.js';
import type { AckService } from './acks.js';
import type { ModelSlots } from './model-slots.js';

/**
 * What every stage gets from the runner. Stages read their settings from their own params; the context
 * holds what is shared by the whole run.
 */
export interface StageContext {
  /** This stage's id in the pipeline (unique); fit stages publish their model under it. */
  readonly stageId: string;
  /** Aborted when the run is cancelled (SIGINT, a failing sibling stage); stages stop pulling when it fires. */
  readonly signal: AbortSignal;
  /**
   * Fires when the run is asked to end early but cleanly (a long-running pipeline's first SIGTERM): an
   * unbounded source (see {@link StageDefinition.isUnbounded}) ends its stream at the next batch boundary,
   * and everything it already handed out is written, settled and committed before the run resolves. Bounded
   * sources (files) ignore it: a file run finishes or aborts, it never leaves a truncated output in place.
   */
  readonly drain: AbortSignal;
  /** Structured logger already bound to the stage (`stage`, `type`). */
  readonly logger: Logger;
  /** The pipeline seed; stages derive their own with `deriveSeed(seed, label)`. */
  readonly seed: number;
  /** Progress bars on a terminal, no-ops elsewhere. */
  readonly progress: Progress;
  /** Fitted models handed from a fit stage to later stages in the same run, by the fit stage's `id`. */
  readonly models: ModelSlots;
  /** Acknowledgements from the sink back to the source of this run (see {@link AckService} for the rules). */
  readonly acks: AckService;
  /** Relative paths in params resolve against this directory (the pipeline file's folder, or the cwd). */
  readonly baseDir: string;
}

/**
 * A source produces record batches. Call order: `batches()` once, iterate, then `close()` (the runner
 * always calls it, also after an error or an early `break`, and after the sink is closed, so what the sink
 * settled is known by then). A source that commits what it consumed attaches a handle to each batch through
 * `ctx.acks`. `close()` is idempotent.
 */
export interface Source {
  readonly kind: 'source';
  batches(): AsyncIterable<RecordBatch>;
  close(): Promise<void>;
  /** Counters for the run statistics and summary (records read, commits, lag...), read at any time. */
  stats?(): Record<string, unknown>;
  /** Whether the source is reading (kafka-source: joined its group); `/readyz` of the ops endpoint. Absent: ready. */
  isReady?(): boolean;
  /** Resolves once the source is reading (the moment {@link isReady} turns true); for `RunOptions.onReady`. */
  whenReady?(): Promise<void>;
}

/**
 * A transform maps batches to batches, pulling from its input only as fast as its consumer pulls from it.
 * It never mutates an input batch: it returns new batches that share the unchanged columns. Columns it does
 * not use pass through unchanged and row order is kept, so every output row joins back to its input row
 * (a transform that drops rows on request says so in its params and logs the count).
 */
export interface Transform {
  readonly kind: 'transform';
  transform(input: AsyncIterable<RecordBatch>): AsyncIterable<RecordBatch>;
  close(): Promise<void>;
  /** Counters for the run statistics and summary (rows flagged, rows dropped, fit time...), read at any time. */
  stats?(): Record<string, unknown>;
}

/** What a sink reports when everything it was given is durably written. */
export interface SinkSummary {
  rows: number;
  batches: number;
  /** Final location (file path, topic), for the run summary. */
  target?: string;
}

/**
 * A sink consumes every batch and resolves once all of it is written (files: renamed into place). On error
 * it leaves no partial output behind. A sink that writes durably settles each batch through `ctx.acks` once
 * its write is confirmed, so the source may commit it. `close()` is idempotent.
 */
export interface Sink {
  readonly kind: 'sink';
  write(input: AsyncIterable<RecordBatch>): Promise<SinkSummary>;
  close(): Promise<void>;
  /** Counters for the run statistics and summary (rows written, dead letters...), read at any time. */
  stats?(): Record<string, unknown>;
}

export type Stage = Source | Transform | Sink;
export type StageKind = Stage['kind'];

type StageOf<K extends StageKind> = Extract<Stage, { kind: K }>;

/**
 * A registered stage type. The params schema validates the YAML (and CLI options) and, through its
 * descriptions and defaults, produces the output of `latentflow list`.
 */
export interface StageDefinition<K extends StageKind = StageKind, S extends z.ZodType = z.ZodType, T extends string = string> {
  /** The name used in YAML `type:` (a literal type, so typed pipelines know every stage by name). */
  readonly type: T;
  readonly kind: K;
  /** One line for `latentflow list`. */
  readonly description: string;
  readonly params: S;
  /**
   * Sources only: reads until stopped (a topic, not a file). Such a source ends its stream when the run's
   * `drain` fires, so a first SIGINT/SIGTERM drains the run instead of aborting it (`latentflow run`).
   */
  readonly isUnbounded?: boolean;
  create(params: z.output<S>, ctx: StageContext): StageOf<K>;
}

/** Helper that keeps the params type tied to the schema, and the type name literal, at the definition site. */
export function defineStage<K extends StageKind, S extends z.ZodType, const T extends string>(def: StageDefinition<K, S, T>): StageDefinition<K, S, T> {
  return def;
}
