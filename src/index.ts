/**
 * latentflow's public library API. Everything here is stable; other modules are internal.
 */
export { ArtifactError, ConnectorError, DataError, KafkaSecurityError, LatentflowError, ModelConfigError, ModelStateError, PathError, SpecError, type KafkaSecurityProblem } from './errors.js';

export type { Sink, SinkSummary, Source, Stage, StageContext, StageDefinition, StageKind, Transform } from './contract/stage.js';
export { defineStage } from './contract/stage.js';
export { allStages, registerStage, stageDefinition, stageTypes } from './pipeline/registry.js';
export { TableCollector } from './connectors/table-sink.js';
export type { TableInput } from './connectors/table-source.js';
export { definePipeline, loadPipelineFile, parsePipelines, type PipelineInput, type PipelineSpec, type StageSpec } from './pipeline/spec.js';
export type { PipelineStages, StageEntry, StageEntryOf, StageTypes } from './pipeline/pipeline-input.js';
export { runPipeline, type RunOptions, type RunSummary, type StageReport } from './pipeline/runner.js';
export { ModelSlots } from './contract/model-slots.js';
export { AckService, type AckHandle } from './contract/acks.js';
export { SettledPrefix } from './contract/settled-prefix.js';

export { fitDetector, type AutoencoderDetectorOptions, type FitDetectorOptions, type FitRunOptions, type PcaDetectorOptions } from './api/fit-detector.js';
export { AnomalyDetector, type ScoreOptions } from './api/anomaly-detector.js';
export type { DetectorInput } from './api/detector-input.js';

export type { Matrix } from './models/matrix.js';
export { Autoencoder } from './models/autoencoder/autoencoder.js';
export { AutoencoderEnsemble, createAutoencoder, type AutoencoderEnsembleState, type AutoencoderModel, type ResolvedEnsemble } from './models/autoencoder/autoencoder-ensemble.js';
export type { AutoencoderConfig, EnsembleConfig } from './models/autoencoder/autoencoder-options.js';
export type { ResolvedAutoencoderConfig } from './models/autoencoder/autoencoder-config.js';
export type { ScoreBy } from './models/autoencoder/score-by.js';
export { PcaModel, type PcaConfig, type PcaScoreBy } from './models/pca.js';
export { UmapModel, type UmapConfig } from './models/umap.js';
export { TsneModel, type TsneConfig } from './models/tsne.js';
export { Scaler, type ScalerMethod } from './models/scaler.js';
export { DEFAULT_THRESHOLD, fitThreshold, flagAnomalies, type ThresholdRule, type ThresholdState } from './models/threshold.js';
export { conformalPValue, conformalPValues, flagByFdr, flagByFpr, type CalibrationState } from './models/conformal.js';
export { Detector, type DetectorKind, type TrainingSummary } from './models/detector.js';
export { averagePrecision, rocAuc } from './evaluation/metrics.js';

export { loadDetector, readManifest, readScorableManifest, saveDetector, type Manifest } from './artifact/model-dir.js';
export { selectBackend, currentBackend, type BackendInfo, type BackendName } from './runtime/backend.js';
export { createLogger, silentLogger, type Logger } from './runtime/logger.js';
export { noProgress, terminalProgress, type Progress } from './runtime/progress.js';
export { extractFeatures, resolveFeatures, type MissingPolicy } from './io/features.js';
