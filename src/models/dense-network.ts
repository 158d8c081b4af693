import * as tf from '@tensorflow/tfjs';
import { ModelStateError } from '../errors.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import { deriveSeed } from './random.js';

/** Tensors of one forward pass; loss terms pick what they need (e.g. a sparsity penalty reads `code`). */
export interface ForwardPass {
  input: tf.Tensor2D;
  /** Outputs of the hidden layers in order (encoder, then decoder), after dropout when training. */
  hidden: tf.Tensor2D[];
  code: tf.Tensor2D;
  output: tf.Tensor2D;
}

/** Training-only behaviour of a forward pass. */
export interface ForwardOptions {
  /** Applies dropout when true and the network has a dropout rate. Default false. */
  isTraining?: boolean;
  /** Seed of this step's dropout masks; give each step its own. Required when dropout is active. */
  dropoutSeed?: number;
}

/**
 * What the autoencoder and its training loop need from a network. `DenseNetwork` is the only one today;
 * convolutional or variational networks implement the same contract in their own files.
 */
export interface AutoencoderNetwork {
  /** The TensorFlow.js model that is saved and loaded. */
  readonly model: tf.LayersModel;
  /** The weights gradient descent updates. */
  readonly trainableVariables: tf.Variable[];
  forward(x: tf.Tensor2D, options?: ForwardOptions): ForwardPass;
  encode(x: tf.Tensor2D): tf.Tensor2D;
  reconstruct(x: tf.Tensor2D): tf.Tensor2D;
  weightValues(): Float32Array[];
  dispose(): void;
}

/** Names of the saved layers; a later loader finds the bottleneck by the name `code`. */
const CODE_LAYER = 'code';
const OUTPUT_LAYER = 'reconstruction';

/**
 * The dense encoder/decoder stack as a TensorFlow.js `Sequential` model (which is what gets saved), plus a
 * forward pass that exposes the code and hidden activations and applies seeded dropout.
 *
 * Dropout is not a layer: the tfjs `Dropout` layer draws the same mask at every step when given a seed (and
 * uses an unseeded generator otherwise), so masks are drawn here from a seed per step and per layer.
 * All methods that return tensors must run inside `tf.tidy` (or the caller disposes the result).
 */
export class DenseNetwork implements AutoencoderNetwork {
  private constructor(
    /** The saved model; its Dense layers in order: encoder hidden, code, decoder hidden, reconstruction. */
    readonly model: tf.LayersModel,
    private readonly layers: tf.layers.Layer[],
    /** Index of the code layer within `layers`. */
    private readonly codeIndex: number,
    private readonly dropout: number,
  ) {}

  /** Builds a fresh network with seeded Glorot-uniform kernels and zero biases. */
  static build(inputDim: number, config: ResolvedAutoencoderConfig): DenseNetwork {
    const specs = layerSpecs(inputDim, config);
    const layers = specs.map((spec, i) =>
      tf.layers.dense({
        units: spec.units,
        activation: spec.activation,
        name: spec.name,
        inputShape: i === 0 ? [inputDim] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, `layer-${i}`) }),
        biasInitializer: 'zeros',
      }),
    );
    const model = tf.sequential({ name: 'autoencoder', layers });
    return new DenseNetwork(model, layers, config.hiddenUnits.length, config.dropout);
  }

  /** Wraps a loaded model, checking that its layers match `config` for `inputDim` columns. */
  static fromModel(model: tf.LayersModel, inputDim: number, config: ResolvedAutoencoderConfig): DenseNetwork {
    const specs = layerSpecs(inputDim, config);
    const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
    const expected = [inputDim, ...specs.map((s) => s.units)].join('-');
    const inputWidth = model.inputs[0]?.shape[1];
    const received = [inputWidth, ...dense.map((layer) => (layer.getConfig() as { units?: number }).units)].join('-');
    if (expected !== received) {
      throw new ModelStateError(`autoencoder: saved network has layers ${received}, its saved params describe ${expected}; the model files do not belong together`);
    }
    return new DenseNetwork(model, dense, config.hiddenUnits.length, config.dropout);
  }

  /** The weights gradient descent updates, in layer order (kernel, bias per layer). */
  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** Runs the whole network on `x`, keeping the intermediate tensors. */
  forward(x: tf.Tensor2D, options: ForwardOptions = {}): ForwardPass {
    const isDropping = options.isTraining === true && this.dropout > 0;
    if (isDropping && options.dropoutSeed === undefined) {
      throw new ModelStateError('autoencoder: a training forward pass with dropout needs a dropoutSeed');
    }
    const hidden: tf.Tensor2D[] = [];
    let h = x;
    let code: tf.Tensor2D | undefined;
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) {
      h = this.layers[i].apply(h) as tf.Tensor2D;
      if (i === this.codeIndex) {
        code = h;
      } else if (i !== last) {
        if (isDropping) h = dropOut(h, this.dropout, deriveSeed(options.dropoutSeed as number, `dropout-${i}`));
        hidden.push(h);
      }
    }
    return { input: x, hidden, code: code as tf.Tensor2D, output: h };
  }

  /** The code (bottleneck activations) of `x`. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let i = 0; i <= this.codeIndex; i++) h = this.layers[i].apply(h) as tf.Tensor2D;
    return h;
  }

  /** The reconstruction of `x`, without dropout. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (const layer of this.layers) h = layer.apply(h) as tf.Tensor2D;
    return h;
  }

  /** Copies of every weight, in layer order (kernel, bias per layer). */
  weightValues(): Float32Array[] {
    return this.model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  }

  dispose(): void {
    this.model.dispose();
  }
}

interface LayerSpec {
  name: string;
  units: number;
  activation: ResolvedAutoencoderConfig['activation'];
}

function layerSpecs(inputDim: number, config: ResolvedAutoencoderConfig): LayerSpec[] {
  return [
    ...config.hiddenUnits.map((units, i) => ({ name: `encoder_${i}`, units, activation: config.activation })),
    { name: CODE_LAYER, units: config.codeSize, activation: config.codeActivation },
    ...config.decoderUnits.map((units, i) => ({ name: `decoder_${i}`, units, activation: config.activation })),
    { name: OUTPUT_LAYER, units: inputDim, activation: config.outputActivation },
  ];
}

/** Inverted dropout: zero each unit with probability `rate`, scale survivors by 1 / (1 - rate). */
function dropOut(h: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  const keep = tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', seed), rate);
  return tf.mul(h, tf.div(tf.cast(keep, 'float32'), 1 - rate));
}
