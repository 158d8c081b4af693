import * as tf from '../../../src/runtime/tf.js';
import { Autoencoder, type AutoencoderState } from '../../../src/models/autoencoder/autoencoder.js';

/** Saves to memory and loads back, optionally editing the JSON state on the way (a file edited or damaged). */
export async function roundTrip(model: Autoencoder, edit: (state: AutoencoderState) => AutoencoderState = (s) => s): Promise<Autoencoder> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const state = edit(JSON.parse(JSON.stringify(model.toJSON())) as AutoencoderState);
  return Autoencoder.load(tf.io.fromMemory(saved as tf.io.ModelArtifacts), state);
}
