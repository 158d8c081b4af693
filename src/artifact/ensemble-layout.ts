import path from 'node:path';
import { AutoencoderEnsemble, type AutoencoderEnsembleState } from '../models/autoencoder/autoencoder-ensemble.js';
import { fileLoadHandler, fileSaveHandler } from './tfjs-file-handler.js';

/**
 * Where an ensemble's networks sit in a model directory: one `member-<i>/` folder per member inside the
 * version folder, each holding that member's `model.json` + `weights.bin`:
 * ```
 * <dir>/latentflow.json              formatVersion 3, model.type "autoencoder-ensemble"
 * <dir>/v-<n>/member-0/model.json    member 0's network (the single model of the same options)
 * <dir>/v-<n>/member-0/weights.bin
 * <dir>/v-<n>/member-1/...
 * ```
 * The members live inside the version folder so that one manifest rename still switches readers between
 * whole models (model-layout.ts). Only ensembles are written as format 3: a single model keeps format 2 and
 * its flat version folder, so latentflow versions from before ensembles read every single model written now.
 */

/** Manifest format of a model directory holding an ensemble; readers of format 2 refuse it by number. */
export const ENSEMBLE_FORMAT_VERSION = 3;

const MEMBER_DIR = /^member-(0|[1-9]\d?)$/;

/** The folder name of member `i`. */
export function memberDirName(i: number): string {
  return `member-${i}`;
}

/** Whether `name` is a member folder name (`member-<i>`, i below 100). */
export function isMemberDirName(name: string): boolean {
  return MEMBER_DIR.test(name);
}

/** Writes every member's network into `member-<i>/` folders of `versionDir` (a new, empty folder). */
export async function saveEnsembleNetworks(versionDir: string, ensemble: AutoencoderEnsemble): Promise<void> {
  await ensemble.save((i) => fileSaveHandler(path.join(versionDir, memberDirName(i))));
}

/** Reads an ensemble whose members' networks sit in `member-<i>/` folders of `versionDir`. */
export async function loadEnsemble(versionDir: string, state: AutoencoderEnsembleState): Promise<AutoencoderEnsemble> {
  return AutoencoderEnsemble.load((i) => fileLoadHandler(path.join(versionDir, memberDirName(i))), state);
}
