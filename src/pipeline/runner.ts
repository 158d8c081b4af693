import type { RecordBatch } from 'apache-arrow';
import { LatentflowError } from '../errors.js';
import { selectBackend } from '../runtime/backend.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { noProgress, type Progress } from '../runtime/progress.js';
import { AckService } from '../contract/acks.js';
import { ModelSlots } from '../contract/model-slots.js';
import { startOpsServer, type OpsServer } from '../runtime/ops-server.js';
import { LatencySketch, type Quantiles } from '../runtime/latency.js';
import { checkPipelinePaths } from './path-check.js';
import type { PipelineSpec, StageSpec } from './spec.js';
import type { SinkSummary, Source, Stage, StageContext, Transform, Sink } from '../contract/stage.js';

/** Options for {@link runPipeline}. */
export interface RunOptions {
  logger?: Logger;
  progress?: Progress;
  /** Cancels the run: stages stop pulling, resources are released, the promise rejects. */
  signal?: AbortSignal;
  /**
   * Ends the run cleanly: an unbounded source (Kafka) stops reading, what it already read is written and
   * settled, and the promise resolves with `endedBy: 'drain'`. Bounded sources ignore it (see `StageContext.drain`).
   */
  drain?: AbortSignal;
  /** Called with each periodic statistics snapshot (every `statsIntervalMs` of the spec) and a last one at the end. */
  onStats?: (stats: RunStatistics) => void;
  /** Called with the ops endpoint's URL once it listens (spec `ops`; port 0 picks a free one). */
  onOpsListening?: (url: string) => void;
  /** Called once the source says it is reading (see `Source.whenReady`: kafka-source once it joined its group). */
  onReady?: () => void;
}

/** The run so far: rows and batches that reached the sink, and every stage's counters. */
export interface RunStatistics {
  pipeline: string;
  elapsedMs: number;
  rows: number;
  batches: number;
  /** From a batch leaving the source until the sink confirmed its writes (ms), over the whole run; only batches a source attached (see `ctx.acks`). */
  settleLatencyMs: Quantiles;
  stages: StageReport[];
}

/** What one stage reported at the end of the run. */
export interface StageReport {
  id: string;
  type: string;
  kind: Stage['kind'];
  stats?: Record<string, unknown>;
}

/** What a run shares with all its stages. */
export interface RunResources {
  signal: AbortSignal;
  /** The run's drain signal; never fires when absent (a stage's work run outside a pipeline). */
  drain?: AbortSignal;
  /** The run's logger; each stage gets a child bound to its id and type. */
  logger: Logger;
  progress: Progress;
  models: ModelSlots;
  acks: AckService;
}

/**
 * The context stage `stage` of `spec` runs with: its id, logs bound to it, the pipeline's seed and folder,
 * and what the run shares. The runner builds every stage's context with it, as do callers that run one
 * stage's work outside a run (fitDetector, the report's column peek).
 */
export function stageContext(spec: PipelineSpec, stage: StageSpec, run: RunResources): StageContext {
  return {
    stageId: stage.id,
    signal: run.signal,
    drain: run.drain ?? NEVER,
    logger: run.logger.child({ stage: stage.id, type: stage.type }),
    seed: spec.seed,
    progress: run.progress,
    models: run.models,
    acks: run.acks,
    baseDir: spec.baseDir,
  };
}

/** The result of a finished run. */
export interface RunSummary {
  pipeline: string;
  backend: string;
  /** Rows and batches that reached the sink. */
  rows: number;
  batches: number;
  durationMs: number;
  /** `input`: the source ran out; `drain`: the run was drained (see {@link RunOptions.drain}). */
  endedBy: 'input' | 'drain';
  sink: SinkSummary;
  stages: StageReport[];
}

/**
 * Runs source -> transforms -> sink, pulling batches through the chain. Every stage is closed in reverse
 * order, also when one fails or the run is aborted; the first error is the one rethrown.
 */
export async function runPipeline(spec: PipelineSpec, options: RunOptions = {}): Promise<RunSummary> {
  // Before any stage opens a file: a run that would overwrite its own input or a user's folder never starts.
  await checkPipelinePaths(spec);
  const logger = (options.logger ?? silentLogger()).child({ pipeline: spec.name });
  const progress = options.progress ?? noProgress;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const started = performance.now();
  // Only an unbounded source listens to the drain: a file run that ended early would look complete.
  const drainSignal = spec.source.definition.isUnbounded === true ? (options.drain ?? NEVER) : NEVER;

  const backend = await selectBackend(spec.backend);
  logger.info({ backend: backend.name }, `tensorflow.js backend: ${backend.name}`);
  // Probing optional backends fails by design on most installs; the reasons matter only when debugging one.
  logger.debug({ tried: backend.tried }, 'tensorflow.js backends tried');

  const models = new ModelSlots();
  let ops: OpsServer | undefined;
  const settleLatency = new LatencySketch();
  const acks = new AckService((ms) => {
    settleLatency.accept(ms);
    ops?.observeSettle(ms);
  });
  const created: { spec: StageSpec; stage: Stage }[] = [];
  // Set once every stage is created and the batches flow: what /readyz waits for, with the source's own say.
  let running: Source | undefined;
  const make = <S extends Stage>(s: StageSpec): S => {
    const ctx = stageContext(spec, s, { signal: controller.signal, drain: drainSignal, logger, progress, models, acks });
    const stage = s.definition.create(s.params, ctx) as S;
    created.push({ spec: s, stage });
    return stage;
  };

  let rows = 0;
  let batches = 0;
  const statistics = (): RunStatistics => ({
    pipeline: spec.name,
    elapsedMs: Math.round(performance.now() - started),
    rows,
    batches,
    settleLatencyMs: settleLatency.quantiles(),
    stages: stageReports(created),
  });
  const report = () => {
    const stats = statistics();
    logger.info({ statistics: stats }, 'pipeline statistics');
    options.onStats?.(stats);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    if (spec.ops !== null) {
      ops = await startOpsServer(spec.ops, {
        pipeline: spec.name,
        statistics,
        isReady: () => running !== undefined && (running.isReady?.() ?? true),
      }, logger);
      options.onOpsListening?.(ops.url);
    }
    timer = spec.statsIntervalMs > 0 ? setInterval(report, spec.statsIntervalMs) : undefined;
    timer?.unref();
    const source = make<Source>(spec.source);
    // Not awaited: a source that fails before it is ready fails the run through its batches instead.
    if (options.onReady !== undefined) source.whenReady?.().then(options.onReady, () => undefined);
    let stream: AsyncIterable<RecordBatch> = guard(source.batches(), spec.source);
    for (const s of spec.stages) stream = guard(make<Transform>(s).transform(stream), s);
    const sink = make<Sink>(spec.sink);
    await models.startWatchers(logger);
    const bar = progress.start(spec.name, 0, 'rows');
    running = source;
    const counted = async function* (input: AsyncIterable<RecordBatch>) {
      try {
        for await (const batch of input) {
          if (controller.signal.aborted) throw abortError(controller.signal.reason);
          rows += batch.numRows;
          batches++;
          bar.increment(batch.numRows);
          yield batch;
        }
      } finally {
        bar.stop();
      }
    };
    const sinkSummary = await rethrowWithStage(() => sink.write(counted(stream)), spec.sink);
    const summary: RunSummary = {
      pipeline: spec.name,
      backend: backend.name,
      rows,
      batches,
      durationMs: Math.round(performance.now() - started),
      endedBy: drainSignal.aborted ? 'drain' : 'input',
      sink: sinkSummary,
      stages: stageReports(created),
    };
    logger.info({ summary }, 'pipeline finished');
    return summary;
  } catch (caught) {
    // Whatever a stage threw while the caller was cancelling the run (a stream's AbortError, say) is the
    // cancellation itself, reported as such.
    const error = options.signal?.aborted ? abortError(options.signal.reason, caught) : caught;
    controller.abort(error);
    logger.error({ err: error }, 'pipeline failed');
    throw error;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
    for (const { spec: s, stage } of [...created].reverse()) {
      try {
        await stage.close();
      } catch (error) {
        logger.warn({ err: error, stage: s.id }, 'stage close failed');
      }
    }
    // After every close: a sink that confirms writes has settled all it wrote by now.
    const unsettled = acks.unsettled();
    if (unsettled > 0) logger.info({ unsettled }, `${unsettled} batches were not acknowledged by the sink; their source does not commit them (the next run reads them again)`);
    await models.dispose();
    // After the sources closed (committed): the last statistics are the final ones.
    if (spec.statsIntervalMs > 0 || options.onStats !== undefined) report();
    await ops?.close();
  }
}

/** A signal that never fires, for runs and contexts without a drain. */
const NEVER = new AbortController().signal;

function stageReports(created: readonly { spec: StageSpec; stage: Stage }[]): StageReport[] {
  return created.map(({ spec: s, stage }) => ({ id: s.id, type: s.type, kind: stage.kind, stats: stage.stats?.() }));
}

/** Tags errors escaping a stage's iterator with the stage that raised them, keeping typed errors intact. */
async function* guard(input: AsyncIterable<RecordBatch>, s: StageSpec): AsyncGenerator<RecordBatch> {
  try {
    yield* input;
  } catch (error) {
    throw tagged(error, s);
  }
}

async function rethrowWithStage<T>(fn: () => Promise<T>, s: StageSpec): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw tagged(error, s);
  }
}

function tagged(error: unknown, s: StageSpec): unknown {
  if (error instanceof LatentflowError) {
    // Typed errors already say what and where; add which stage once, for the CLI message.
    if (!('stage' in error)) Object.defineProperty(error, 'stage', { value: s.id, enumerable: true });
    return error;
  }
  return new LatentflowError('E_STAGE', `stage "${s.id}" (${s.type}) failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function abortError(reason: unknown, cause: unknown = reason): LatentflowError {
  if (cause instanceof LatentflowError && cause.code === 'E_ABORTED') return cause;
  return new LatentflowError('E_ABORTED', `run aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, { cause });
}
