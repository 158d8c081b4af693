import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactError, LatentflowError } from '../errors.js';
import { Autoencoder } from '../models/autoencoder/autoencoder.js';
import { AutoencoderEnsemble, isEnsembleState } from '../models/autoencoder/autoencoder-ensemble.js';
import type { CalibrationState } from '../models/conformal.js';
import { Detector, type DetectorKind, type MissingHandling, type ReconstructionModel, type TrainingSummary } from '../models/detector.js';
import type { DriftReference } from '../models/drift.js';
import type { FeatureEncoding } from '../models/feature-encoding.js';
import { PcaModel } from '../models/pca.js';
import { Scaler, type ScalerState } from '../models/scaler.js';
import type { ThresholdState } from '../models/threshold.js';
import { ENSEMBLE_FORMAT_VERSION, loadEnsemble, saveEnsembleNetworks } from './ensemble-layout.js';
import { MANIFEST, versionNumber } from './model-layout.js';
import { writeModelVersion } from './model-save.js';
import { fileLoadHandler, fileSaveHandler } from './tfjs-file-handler.js';
import { validateManifest } from './validate-model.js';

export { MANIFEST } from './model-layout.js';
/**
 * Format of a model with mixed-type feature columns (the manifest's `encoding`): a reader that ignored the
 * encoding would read categorical columns as numbers, so older versions must refuse it.
 */
export const ENCODED_FORMAT_VERSION = 4;

/**
 * The newest manifest format this reads; loading a newer one fails with a clear message. 2: the network files
 * sit in the version folder the manifest names (`versionDir`), and training means are always saved; format 1
 * (flat layout) still loads. 3: an autoencoder ensemble, its members in `member-<i>/` folders of the version
 * folder (ensemble-layout.ts). 4: mixed-type features, encoded by the manifest's `encoding`. Only ensembles
 * are written as 3 and only encoded models as 4 (see {@link formatVersionOf}).
 */
export const FORMAT_VERSION = ENCODED_FORMAT_VERSION;

/** The format a single model (every PCA and single autoencoder) is written as, so older versions still read it. */
export const SINGLE_MODEL_FORMAT_VERSION = 2;

/** The format a detector is written as: 4 with an encoding, 3 for an ensemble (older readers cannot score either), else 2. */
export function formatVersionOf(detector: Pick<Detector, 'model' | 'encoding'>): number {
  if (detector.encoding !== null) return ENCODED_FORMAT_VERSION;
  return detector.model instanceof AutoencoderEnsemble ? ENSEMBLE_FORMAT_VERSION : SINGLE_MODEL_FORMAT_VERSION;
}

/**
 * `latentflow.json`: everything needed to score new data except the network weights, which sit beside it
 * as `model.json` + `weights.bin` (TensorFlow.js layers format) for autoencoders.
 */
export interface Manifest {
  format: 'latentflow-model';
  formatVersion: number;
  kind: DetectorKind;
  /** Feature columns by name, in the order the model consumes them (with `encoding`: the original columns). */
  features: string[];
  /**
   * How non-numeric feature columns are encoded into the model's matrix (models/feature-encoding.ts); absent
   * when every feature is numeric. Present only in format 4.
   */
  encoding?: FeatureEncoding;
  missing: MissingHandling;
  scaler: ScalerState;
  threshold: ThresholdState | null;
  /** The model's own saved state: `{ type, version, params, ... }`. */
  model: Record<string, unknown>;
  training: TrainingSummary;
  /**
   * Scores of the training rows held out of fitting (`calibrationSplit`), ascending, for conformal p-values.
   * Absent for models fitted without calibration and for models saved before it: they load and score as
   * ever, and only p_value / the fpr and fdr rules refuse them (ModelStateError). An optional field older
   * readers ignore, so the format number stays.
   */
  calibration?: CalibrationState;
  /** Training distribution of features and scores for the drift stage; absent in models saved before it (optional, format unchanged). */
  drift?: DriftReference;
  /**
   * The version directory (`v-<n>`) holding this model's network files (model.json, weights.bin); absent
   * for models without network files (PCA) and for models saved before versioned directories, whose
   * network files sit beside the manifest. See artifact/model-layout.ts.
   */
  versionDir?: string;
}

/**
 * Writes `detector` to `dir` so that every reader, even one polling in a loop, sees the old model or the new
 * one, whole: the network files go to a new version directory `dir/v-<n>/`, then the manifest naming it
 * replaces `dir/latentflow.json` with one rename (see artifact/model-layout.ts). `dir` must be absent, an
 * empty folder or a model directory latentflow wrote; anything else is a PathError and nothing is touched.
 * When the save fails, the previous model is left as it was.
 */
export async function saveDetector(dir: string, detector: Detector): Promise<void> {
  const target = path.resolve(dir);
  try {
    await writeModelVersion(target, {
      writeNetwork: networkWriter(detector.model),
      manifest: (versionDir) => {
        const manifest: Manifest = {
          format: 'latentflow-model',
          formatVersion: formatVersionOf(detector),
          kind: detector.kind,
          features: [...detector.features],
          ...(detector.encoding !== null ? { encoding: detector.encoding } : {}),
          missing: detector.missing,
          scaler: detector.scaler.toJSON(),
          threshold: detector.threshold,
          model: modelState(detector) as unknown as Record<string, unknown>,
          training: detector.training,
          ...(detector.calibration !== null ? { calibration: detector.calibration } : {}),
          ...(detector.drift !== null ? { drift: detector.drift } : {}),
          ...(versionDir !== undefined ? { versionDir } : {}),
        };
        return `${JSON.stringify(manifest, null, 2)}\n`;
      },
    });
  } catch (error) {
    if (error instanceof LatentflowError) throw error;
    throw new ArtifactError(target, `cannot save model: ${(error as Error).message}`, { cause: error });
  }
}

/** What writes the network files of `model` into a new version folder; undefined for a model without any (PCA). */
function networkWriter(model: ReconstructionModel): ((into: string) => Promise<void>) | undefined {
  if (model instanceof AutoencoderEnsemble) return (into) => saveEnsembleNetworks(into, model);
  if (model instanceof Autoencoder) return (into) => model.save(fileSaveHandler(into)).then(() => undefined);
  return undefined;
}

/** Loads retried when the manifest moved on while the files it named were being read (see {@link loadDetector}). */
const LOAD_ATTEMPTS = 5;

/**
 * Reads a model directory written by {@link saveDetector} (either layout). If the network files cannot be
 * read and the manifest changed meanwhile (a writer replaced the model and pruned the version this load
 * had started on), the load starts over from the new manifest.
 */
export async function loadDetector(dir: string): Promise<Detector> {
  const target = path.resolve(dir);
  for (let attempt = 1; ; attempt++) {
    const manifest = await readManifest(target);
    try {
      return await detectorFrom(target, manifest);
    } catch (error) {
      if (attempt >= LOAD_ATTEMPTS || !(await manifestChanged(target, manifest))) throw error;
    }
  }
}

async function detectorFrom(target: string, manifest: Manifest): Promise<Detector> {
  validateManifest(target, manifest);
  const scaler = Scaler.fromJSON(manifest.scaler);
  const networkDir = manifest.versionDir !== undefined ? path.join(target, manifest.versionDir) : target;
  let model;
  try {
    model =
      manifest.kind === 'pca'
        ? PcaModel.fromJSON(manifest.model as never)
        : isEnsembleState(manifest.model)
          ? await loadEnsemble(networkDir, manifest.model as never)
          : await Autoencoder.load(fileLoadHandler(networkDir), manifest.model as never);
  } catch (error) {
    throw new ArtifactError(target, `cannot load the ${manifest.kind} model: ${(error as Error).message}`, { cause: error });
  }
  return new Detector(manifest.kind, manifest.features, scaler, model, manifest.missing, manifest.training, manifest.threshold, manifest.calibration ?? null, manifest.drift ?? null, manifest.encoding ?? null);
}

async function manifestChanged(target: string, loaded: Manifest): Promise<boolean> {
  try {
    return JSON.stringify(JSON.parse(await readFile(path.join(target, MANIFEST), 'utf8'))) !== JSON.stringify(loaded);
  } catch {
    return true; // unreadable now: let the next attempt report it
  }
}

/**
 * The manifest of a model that can score: {@link readManifest} plus the same field checks `loadDetector` runs
 * (validate-model.ts), without loading the network. For readers that print or plan from the manifest
 * (`info --json`, `report`), so a damaged model is refused by them exactly as by scoring.
 */
export async function readScorableManifest(dir: string): Promise<Manifest> {
  const target = path.resolve(dir);
  const manifest = await readManifest(target);
  validateManifest(target, manifest);
  return manifest;
}

/** The manifest alone, its format checked (format, version, kind, version directory); see {@link readScorableManifest}. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ArtifactError(dir, `not a latentflow model directory (no ${MANIFEST}); fit one with \`latentflow fit\``, { cause: error });
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new ArtifactError(dir, `${MANIFEST} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (manifest.format !== 'latentflow-model') throw new ArtifactError(dir, `${MANIFEST} is not a latentflow model manifest`);
  if (manifest.formatVersion > FORMAT_VERSION) {
    throw new ArtifactError(dir, `model format ${manifest.formatVersion} is newer than this latentflow reads (${FORMAT_VERSION}); upgrade latentflow`);
  }
  if (manifest.kind !== 'autoencoder' && manifest.kind !== 'pca') throw new ArtifactError(dir, `unknown model kind "${String(manifest.kind)}"`);
  if (manifest.versionDir !== undefined && versionNumber(String(manifest.versionDir)) === undefined) {
    throw new ArtifactError(dir, `${MANIFEST} names version directory ${JSON.stringify(manifest.versionDir)}; expected v-<n> inside the model directory`);
  }
  return manifest;
}

function modelState(detector: Detector): unknown {
  const model = detector.model as { toJSON?: () => unknown };
  if (!model.toJSON) throw new Error(`${detector.kind} model cannot be serialised`);
  return model.toJSON();
}
