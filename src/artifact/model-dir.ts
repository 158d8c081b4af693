import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactError } from '../errors.js';
import { Autoencoder } from '../models/autoencoder.js';
import { Detector, type DetectorKind, type MissingHandling, type TrainingSummary } from '../models/detector.js';
import { PcaModel } from '../models/pca.js';
import { Scaler, type ScalerState } from '../models/scaler.js';
import type { ThresholdState } from '../models/threshold.js';
import { fileLoadHandler, fileSaveHandler } from './tfjs-file-handler.js';
import { validateManifest } from './validate-model.js';

/** Name of the manifest inside a model directory. */
export const MANIFEST = 'latentflow.json';
/** Bumped when the manifest changes incompatibly; loading a newer format fails with a clear message. */
export const FORMAT_VERSION = 1;

/**
 * `latentflow.json`: everything needed to score new data except the network weights, which sit beside it
 * as `model.json` + `weights.bin` (TensorFlow.js layers format) for autoencoders.
 */
export interface Manifest {
  format: 'latentflow-model';
  formatVersion: number;
  kind: DetectorKind;
  /** Feature columns by name, in the order the model consumes them. */
  features: string[];
  missing: MissingHandling;
  scaler: ScalerState;
  threshold: ThresholdState | null;
  /** The model's own saved state: `{ type, version, params, ... }`. */
  model: Record<string, unknown>;
  training: TrainingSummary;
}

/**
 * Writes `detector` to `dir` atomically: everything goes to a sibling temp directory that is renamed into
 * place, so a reader (or a monitor hot-reloading the model) sees the old model or the new one, never a mix.
 */
export async function saveDetector(dir: string, detector: Detector): Promise<void> {
  const target = path.resolve(dir);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { recursive: true });
  try {
    const manifest: Manifest = {
      format: 'latentflow-model',
      formatVersion: FORMAT_VERSION,
      kind: detector.kind,
      features: [...detector.features],
      missing: detector.missing,
      scaler: detector.scaler.toJSON(),
      threshold: detector.threshold,
      model: modelState(detector) as unknown as Record<string, unknown>,
      training: detector.training,
    };
    if (detector.model instanceof Autoencoder) await detector.model.save(fileSaveHandler(tmp));
    await writeFile(path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await swapInto(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw new ArtifactError(target, `cannot save model: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads a model directory written by {@link saveDetector}. */
export async function loadDetector(dir: string): Promise<Detector> {
  const target = path.resolve(dir);
  const manifest = await readManifest(target);
  validateManifest(target, manifest);
  const scaler = Scaler.fromJSON(manifest.scaler);
  let model;
  try {
    model =
      manifest.kind === 'autoencoder'
        ? await Autoencoder.load(fileLoadHandler(target), manifest.model as never)
        : PcaModel.fromJSON(manifest.model as never);
  } catch (error) {
    throw new ArtifactError(target, `cannot load the ${manifest.kind} model: ${(error as Error).message}`, { cause: error });
  }
  return new Detector(manifest.kind, manifest.features, scaler, model, manifest.missing, manifest.training, manifest.threshold);
}

/** The manifest alone (for `latentflow info`), validated. */
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
  return manifest;
}

function modelState(detector: Detector): unknown {
  const model = detector.model as { toJSON?: () => unknown };
  if (!model.toJSON) throw new Error(`${detector.kind} model cannot be serialised`);
  return model.toJSON();
}

/** Replaces `target` by `tmp` with renames only, so the switch is atomic for readers of the new path. */
async function swapInto(tmp: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  let hasOld = false;
  try {
    await rename(target, old);
    hasOld = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await rename(tmp, target);
  } catch (error) {
    if (hasOld) await rename(old, target);
    throw error;
  }
  if (hasOld) await rm(old, { recursive: true, force: true });
}
