import { csvSink } from '../connectors/csv-sink.js';
import { csvSource } from '../connectors/csv-source.js';
import { histogramSink } from '../connectors/histogram-sink.js';
import { imageGridSink } from '../connectors/image-grid-sink.js';
import { ipcSink } from '../connectors/ipc-sink.js';
import { ipcSource } from '../connectors/ipc-source.js';
import { kafkaSink } from '../connectors/kafka-sink.js';
import { kafkaSource } from '../connectors/kafka-source.js';
import { nullSink } from '../connectors/null-sink.js';
import { parquetSink } from '../connectors/parquet-sink.js';
import { parquetSource } from '../connectors/parquet-source.js';
import { plotSink } from '../connectors/plot-sink.js';
import { reportSink } from '../connectors/report-sink.js';
import { tableSink } from '../connectors/table-sink.js';
import { tableSource } from '../connectors/table-source.js';
import { adaptiveThreshold } from '../stages/adaptive-threshold.js';
import { autoencoderFit } from '../stages/autoencoder-fit.js';
import { corrupt } from '../stages/corrupt.js';
import { drift } from '../stages/drift.js';
import { encode } from '../stages/encode.js';
import { pcaFit } from '../stages/pca-fit.js';
import { reconstruct } from '../stages/reconstruct.js';
import { scale } from '../stages/scale.js';
import { score } from '../stages/score.js';
import { slice } from '../stages/slice.js';
import { threshold } from '../stages/threshold.js';
import { tsne } from '../stages/tsne.js';
import { umap } from '../stages/umap.js';
import type { z } from 'zod';
import { LatentflowError } from '../errors.js';
import type { StageDefinition, StageKind } from '../contract/stage.js';

/**
 * Every built-in stage type, by YAML name. An explicit list rather than self-registration on import, so
 * what is available never depends on import order: a new stage is one file plus one line here. Programs
 * add their own with {@link registerStage}.
 */
const builtInList = [
  csvSource,
  ipcSource,
  parquetSource,
  kafkaSource,
  tableSource,
  scale,
  autoencoderFit,
  pcaFit,
  score,
  encode,
  reconstruct,
  corrupt,
  slice,
  threshold,
  umap,
  tsne,
  adaptiveThreshold,
  drift,
  csvSink,
  ipcSink,
  parquetSink,
  nullSink,
  imageGridSink,
  histogramSink,
  plotSink,
  reportSink,
  kafkaSink,
  tableSink,
] as const;

/** A built-in stage definition, with its literal type name and params schema (for typed pipelines). */
export type BuiltInStage = (typeof builtInList)[number];

const definitions: StageDefinition[] = [...(builtInList as readonly unknown[] as StageDefinition[])];
const byType = new Map(definitions.map((d) => [d.type, d]));

/** YAML type names: lower-case words joined by hyphens, as the built-in ones (`csv-source`, `autoencoder-fit`). */
const TYPE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Adds a user stage (made with `defineStage`) to the registry, so pipelines in YAML and in code can use it
 * by its `type`, `latentflow list` shows it and `validate` checks its params. A type that is taken, or not
 * a lower-case hyphenated name, is an E_STAGE_DEFINITION error: a user stage never shadows a built-in one.
 */
export function registerStage<K extends StageKind, S extends z.ZodType, T extends string>(definition: StageDefinition<K, S, T>): StageDefinition<K, S, T> {
  const def = definition as unknown as StageDefinition;
  const invalid = (message: string) => new LatentflowError('E_STAGE_DEFINITION', `registerStage: ${message}`);
  if (typeof def?.type !== 'string' || !TYPE_NAME.test(def.type)) {
    throw invalid(`type must be a lower-case hyphenated name such as "my-stage", received ${JSON.stringify(def?.type)}`);
  }
  if (byType.has(def.type)) throw invalid(`stage type "${def.type}" is already registered; choose another name`);
  if (!['source', 'transform', 'sink'].includes(def.kind)) {
    throw invalid(`"${def.type}" has kind ${JSON.stringify(def.kind)}; expected source, transform or sink`);
  }
  if (typeof def.create !== 'function' || typeof def.params?.safeParse !== 'function') {
    throw invalid(`"${def.type}" needs a zod \`params\` schema and a \`create(params, ctx)\` function (use defineStage)`);
  }
  definitions.push(def);
  byType.set(def.type, def);
  return definition;
}

/** The definition registered as `type`, if any. */
export function stageDefinition(type: string): StageDefinition | undefined {
  return byType.get(type);
}

/** Registered type names, optionally only those of one kind, in registration order. */
export function stageTypes(kind?: StageKind): string[] {
  return definitions.filter((d) => kind === undefined || d.kind === kind).map((d) => d.type);
}

/** All definitions, for `latentflow list` and the contract test suite. */
export function allStages(): readonly StageDefinition[] {
  return definitions;
}
