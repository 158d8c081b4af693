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
import { adaptiveThreshold } from '../stages/adaptive-threshold.js';
import { autoencoderFit } from '../stages/autoencoder-fit.js';
import { corrupt } from '../stages/corrupt.js';
import { encode } from '../stages/encode.js';
import { pcaFit } from '../stages/pca-fit.js';
import { reconstruct } from '../stages/reconstruct.js';
import { scale } from '../stages/scale.js';
import { score } from '../stages/score.js';
import { slice } from '../stages/slice.js';
import { threshold } from '../stages/threshold.js';
import { tsne } from '../stages/tsne.js';
import { umap } from '../stages/umap.js';
import type { StageDefinition, StageKind } from '../contract/stage.js';

/**
 * Every stage type, by YAML name. An explicit list rather than self-registration on import, so what is
 * available never depends on import order: a new stage is one file plus one line here.
 */
const definitions: readonly StageDefinition[] = [
  csvSource,
  ipcSource,
  parquetSource,
  kafkaSource,
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
  csvSink,
  ipcSink,
  parquetSink,
  nullSink,
  imageGridSink,
  histogramSink,
  plotSink,
  reportSink,
  kafkaSink,
] as unknown as StageDefinition[];

const byType = new Map(definitions.map((d) => [d.type, d]));

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
