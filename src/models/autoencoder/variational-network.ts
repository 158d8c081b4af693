import * as tf from '../../runtime/tf.js';
import { ModelStateError } from '../../errors.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import type { AutoencoderNetwork, ForwardOptions, ForwardPass } from './dense-network.js';
import { dropOut } from './network-ops.js';
import { deriveSeed } from '../random.js';

/** Names of the saved layers; a loader finds the heads by these names. */
const MEAN_LAYER = 'code_mean';
const LOG_VAR_LAYER = 'code_log_var';
const OUTPUT_LAYER = 'reconstruction';

/**
 * The variational autoencoder's network: a dense encoder ending in two linear heads, the posterior mean μ
 * (`code_mean`) and log-variance log σ² (`code_log_var`) of a diagonal Gaussian over the code, and a dense
 * decoder. Saved as one functional model with three outputs `[reconstruction from μ, μ, log σ²]`, so a
 * plain TensorFlow.js `predict` on the saved files gives the same deterministic reconstruction.
 *
 * In training, `forward` decodes z = μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, I) drawn from the step seed (the
 * reparameterisation trick keeps z differentiable in μ and σ). Everything else (encode, decode,
 * reconstruct, `forward` without `isTraining`) uses μ and draws nothing.
 */
export class VariationalNetwork implements AutoencoderNetwork {
  private constructor(
    readonly model: tf.LayersModel,
    private readonly encoderLayers: tf.layers.Layer[],
    private readonly meanLayer: tf.layers.Layer,
    private readonly logVarLayer: tf.layers.Layer,
    private readonly decoderLayers: tf.layers.Layer[],
    private readonly dropout: number,
  ) {}

  /** Builds a fresh network with seeded Glorot-uniform kernels and zero biases. */
  static build(inputDim: number, config: ResolvedAutoencoderConfig): VariationalNetwork {
    const dense = (name: string, units: number, activation: string) =>
      tf.layers.dense({
        units,
        activation: activation as 'linear',
        name,
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, `vae-${name}`) }),
        biasInitializer: 'zeros',
      });
    const encoderLayers = config.hiddenUnits.map((units, i) => dense(`encoder_${i}`, units, config.activation));
    const meanLayer = dense(MEAN_LAYER, config.codeSize, 'linear');
    const logVarLayer = dense(LOG_VAR_LAYER, config.codeSize, 'linear');
    const decoderLayers = [
      ...config.decoderUnits.map((units, i) => dense(`decoder_${i}`, units, config.activation)),
      dense(OUTPUT_LAYER, inputDim, config.outputActivation),
    ];
    const input = tf.input({ shape: [inputDim], name: 'input' });
    let h = input;
    for (const layer of encoderLayers) h = layer.apply(h) as tf.SymbolicTensor;
    const mean = meanLayer.apply(h) as tf.SymbolicTensor;
    const logVar = logVarLayer.apply(h) as tf.SymbolicTensor;
    let out = mean;
    for (const layer of decoderLayers) out = layer.apply(out) as tf.SymbolicTensor;
    const model = tf.model({ name: 'variational_autoencoder', inputs: input, outputs: [out, mean, logVar] });
    return new VariationalNetwork(model, encoderLayers, meanLayer, logVarLayer, decoderLayers, config.dropout);
  }

  /** Wraps a loaded model, checking its layers against `config` for `inputDim` columns. */
  static fromModel(model: tf.LayersModel, inputDim: number, config: ResolvedAutoencoderConfig): VariationalNetwork {
    const find = (name: string): tf.layers.Layer => {
      try {
        return model.getLayer(name);
      } catch (error) {
        throw new ModelStateError(`autoencoder: the saved network has no layer "${name}"; its saved params describe a variational autoencoder`, { cause: error });
      }
    };
    const widths = (layers: tf.layers.Layer[]) => layers.map((l) => (l.getConfig() as { units?: number }).units);
    const encoderLayers = config.hiddenUnits.map((_, i) => find(`encoder_${i}`));
    const decoderLayers = [...config.decoderUnits.map((_, i) => find(`decoder_${i}`)), find(OUTPUT_LAYER)];
    const meanLayer = find(MEAN_LAYER);
    const logVarLayer = find(LOG_VAR_LAYER);
    const expected = [inputDim, ...config.hiddenUnits, config.codeSize, config.codeSize, ...config.decoderUnits, inputDim].join('-');
    const received = [model.inputs[0]?.shape[1], ...widths(encoderLayers), ...widths([meanLayer, logVarLayer]), ...widths(decoderLayers)].join('-');
    if (expected !== received) {
      throw new ModelStateError(`autoencoder: saved network has layers ${received}, its saved params describe ${expected}; the model files do not belong together`);
    }
    return new VariationalNetwork(model, encoderLayers, meanLayer, logVarLayer, decoderLayers, config.dropout);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.encoderLayers, this.meanLayer, this.logVarLayer, ...this.decoderLayers].flatMap((layer) =>
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
  }

  forward(x: tf.Tensor2D, options: ForwardOptions = {}): ForwardPass {
    const isTraining = options.isTraining === true;
    if (isTraining && options.dropoutSeed === undefined) {
      throw new ModelStateError('autoencoder: a variational training forward pass needs a seed for its samples (dropoutSeed)');
    }
    const seed = options.dropoutSeed as number;
    const hidden: tf.Tensor2D[] = [];
    const maybeDrop = (h: tf.Tensor2D, label: string): tf.Tensor2D =>
      isTraining && this.dropout > 0 ? dropOut(h, this.dropout, deriveSeed(seed, `dropout-${label}`)) : h;
    let h = x;
    this.encoderLayers.forEach((layer, i) => {
      h = maybeDrop(layer.apply(h) as tf.Tensor2D, `encoder-${i}`);
      hidden.push(h);
    });
    const codeMean = this.meanLayer.apply(h) as tf.Tensor2D;
    const codeLogVar = this.logVarLayer.apply(h) as tf.Tensor2D;
    const code = isTraining
      ? (tf.add(codeMean, tf.mul(tf.exp(tf.mul(0.5, codeLogVar)), tf.randomNormal(codeMean.shape, 0, 1, 'float32', deriveSeed(seed, 'sample')))) as tf.Tensor2D)
      : codeMean;
    let out = code;
    const last = this.decoderLayers.length - 1;
    this.decoderLayers.forEach((layer, i) => {
      out = layer.apply(out) as tf.Tensor2D;
      if (i !== last) {
        out = maybeDrop(out, `decoder-${i}`);
        hidden.push(out);
      }
    });
    return { input: x, target: x, hidden, code, output: out, codeMean, codeLogVar };
  }

  /** The posterior mean μ of `x`. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return this.meanLayer.apply(this.encoderBody(x)) as tf.Tensor2D;
  }

  /** Posterior mean and log-variance of `x`. */
  encodeDistribution(x: tf.Tensor2D): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const h = this.encoderBody(x);
    return { mean: this.meanLayer.apply(h) as tf.Tensor2D, logVar: this.logVarLayer.apply(h) as tf.Tensor2D };
  }

  decode(code: tf.Tensor2D): tf.Tensor2D {
    let out = code;
    for (const layer of this.decoderLayers) out = layer.apply(out) as tf.Tensor2D;
    return out;
  }

  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return this.decode(this.encode(x));
  }

  weightValues(): Float32Array[] {
    return this.trainableVariables.map((w) => Float32Array.from(w.dataSync() as Float32Array));
  }

  dispose(): void {
    this.model.dispose();
  }

  private encoderBody(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const layer of this.encoderLayers) h = layer.apply(h) as tf.Tensor2D;
    return h;
  }
}

/** KL(N(μ, σ²) ‖ N(0, I)) per row, in nats: −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j). */
export function gaussianKl(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mean), tf.exp(logVar))), 1)) as tf.Tensor1D;
}
