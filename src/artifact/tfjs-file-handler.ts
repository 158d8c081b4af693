import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '../runtime/tf.js';
import { ArtifactError } from '../errors.js';

/** Topology + weights manifest, the TensorFlow.js layers-model format (as `tfjs-node`'s `file://` writes it). */
export const MODEL_JSON = 'model.json';
/** All weights in one binary shard. */
export const WEIGHTS_BIN = 'weights.bin';

/**
 * A tfjs save handler that writes `model.json` and `weights.bin` into `dir` (created if needed) with node:fs,
 * so models save without `@tensorflow/tfjs-node`. Each file is written under a temporary name in `dir` and
 * renamed into place; the weights go first, so a complete `model.json` always has its weights beside it.
 * Failures reject with `ArtifactError`.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  const target = path.resolve(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ArtifactError(target, 'can only save a layers model with a JSON topology');
      }
      const weights =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      try {
        await mkdir(target, { recursive: true });
        await writeAtomic(path.join(target, WEIGHTS_BIN), new Uint8Array(weights));
        await writeAtomic(path.join(target, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
      } catch (error) {
        throw new ArtifactError(target, `cannot write the network files: ${(error as Error).message}`, { cause: error });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/**
 * A tfjs load handler that reads `model.json` and the weight shards it lists (normally `weights.bin`) from
 * `dir`. Shard paths must stay inside `dir`. Failures reject with `ArtifactError`.
 */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  const target = path.resolve(dir);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(target, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${MODEL_JSON}` : (error as Error).message;
        throw new ArtifactError(target, `cannot read the network topology (${reason}); save the model again`, { cause: error });
      }
      if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
        throw new ArtifactError(target, `${MODEL_JSON} has no modelTopology; it is not a TensorFlow.js layers model`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = tf.io.getWeightSpecs(manifest);
        const shards: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const shard of group.paths) {
            const file = path.resolve(target, shard);
            if (path.relative(target, file).startsWith('..')) {
              throw new ArtifactError(target, `weight shard "${shard}" points outside the model directory`);
            }
            try {
              const bytes = await readFile(file);
              shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
            } catch (error) {
              throw new ArtifactError(target, `cannot read weight shard "${shard}": ${(error as Error).message}`, { cause: error });
            }
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(shards)];
      });
    },
  };
}

/** Writes to a temporary sibling, then renames over `file` so readers never see a partial file. */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  // The `.tmp-` infix is git-ignored; leftovers of a crash are recognisable.
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
