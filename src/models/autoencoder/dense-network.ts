import * as tf from '../../runtime/tf.js';
import { ModelStateError } from '../../errors.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import type { Activation } from './autoencoder-options.js';
import { dense } from './dense-op.js';
import { activate, activationDerivative, dropOut, kernelAndBias } from './network-ops.js';
import { deriveSeed } from '../random.js';

/** Tensors of one forward pass; loss terms pick what they need (e.g. a sparsity penalty reads `code`). */
export interface ForwardPass {
  /** What the network saw: the batch, or its corrupted copy when the autoencoder is denoising. */
  input: tf.Tensor2D;
  /**
   * What the reconstruction is compared with: the clean batch. Networks set it to `input`; the denoising
   * autoencoder replaces it with the uncorrupted rows.
   */
  target: tf.Tensor2D;
  /** Outputs of the hidden layers in order (encoder, then decoder), after dropout when training. */
  hidden: tf.Tensor2D[];
  /** The code the decoder received: the deterministic code, or for a variational network the sample z in training and μ otherwise. */
  code: tf.Tensor2D;
  output: tf.Tensor2D;
  /** Variational networks only: the posterior mean μ per code unit. */
  codeMean?: tf.Tensor2D;
  /** Variational networks only: the posterior log-variance log σ² per code unit. */
  codeLogVar?: tf.Tensor2D;
}

/** Training-only behaviour of a forward pass. */
export interface ForwardOptions {
  /** Applies dropout (and, in variational networks, sampling) when true. Default false. */
  isTraining?: boolean;
  /**
   * Seed of this step's random draws (dropout masks, variational samples); give each step its own. Required
   * when training draws anything.
   */
  dropoutSeed?: number;
  /**
   * Promises that no gradient with respect to `x` is taken (a training step differentiates the weights only),
   * so the first layer may skip its input gradient. Default false.
   */
  isInputConstant?: boolean;
}

/**
 * What the autoencoder and its training loop need from a network: `DenseNetwork` (this file),
 * `VariationalNetwork` and `ConvNetwork` implement it. Every method returning tensors runs inside
 * `tf.tidy` (or the caller disposes the result); none of them draws random numbers unless
 * `forward(…, { isTraining: true })` asks for it, so encode/reconstruct/decode are deterministic.
 */
export interface AutoencoderNetwork {
  /** The TensorFlow.js model that is saved and loaded. */
  readonly model: tf.LayersModel;
  /** The weights gradient descent updates. */
  readonly trainableVariables: tf.Variable[];
  /**
   * State that training changes besides the weights (batch-norm moving averages); early stopping restores it
   * with the best epoch's weights. Absent or empty when there is none.
   */
  readonly stateVariables?: tf.Variable[];
  forward(x: tf.Tensor2D, options?: ForwardOptions): ForwardPass;
  /** The code of `x` (for a variational network, the posterior mean μ). */
  encode(x: tf.Tensor2D): tf.Tensor2D;
  /** Rows rebuilt from codes (`rows x codeSize`). */
  decode(code: tf.Tensor2D): tf.Tensor2D;
  /** The reconstruction of `x`: `decode(encode(x))`, without dropout, noise or sampling. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Per row, the squared Frobenius norm of the Jacobian of the code with respect to the input, in closed
   * form and differentiable with respect to the weights (for the contractive penalty). Dense encoders only.
   */
  codeJacobianSquaredNorm?(x: tf.Tensor2D): tf.Tensor1D;
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
    /** The saved model: per block a Dense layer (and with batch norm its BatchNormalization and Activation). */
    readonly model: tf.LayersModel,
    /** Blocks in order: encoder hidden, code, decoder hidden, reconstruction. */
    private readonly blocks: Block[],
    /** Index of the code block within `blocks`. */
    private readonly codeIndex: number,
    private readonly dropout: number,
    private readonly activations: ResolvedAutoencoderConfig['activation'][],
  ) {}

  /**
   * Builds a fresh network with seeded Glorot-uniform kernels and zero biases. With `batchNorm`, each hidden
   * and code block is Dense (linear) -> BatchNormalization -> Activation, three saved layers.
   */
  static build(inputDim: number, config: ResolvedAutoencoderConfig): DenseNetwork {
    const specs = layerSpecs(inputDim, config);
    const last = specs.length - 1;
    const blocks: Block[] = specs.map((spec, i) => {
      const isNormalised = config.batchNorm && i !== last;
      const dense = tf.layers.dense({
        units: spec.units,
        activation: isNormalised ? 'linear' : spec.activation,
        name: spec.name,
        inputShape: i === 0 ? [inputDim] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, `layer-${i}`) }),
        biasInitializer: 'zeros',
      });
      if (!isNormalised) return { dense };
      return {
        dense,
        // PyTorch's BatchNorm1d defaults (Keras' are momentum 0.99, epsilon 1e-3).
        norm: tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `${spec.name}_bn` }),
        activation: tf.layers.activation({ activation: spec.activation, name: `${spec.name}_act` }),
      };
    });
    const model = tf.sequential({ name: 'autoencoder', layers: blocks.flatMap(blockLayers) });
    return new DenseNetwork(model, blocks, config.hiddenUnits.length, config.dropout, specs.map((s) => s.activation));
  }

  /** Wraps a loaded model, checking that its layers match `config` for `inputDim` columns. */
  static fromModel(model: tf.LayersModel, inputDim: number, config: ResolvedAutoencoderConfig): DenseNetwork {
    const specs = layerSpecs(inputDim, config);
    const blocks: Block[] = [];
    for (const layer of model.layers) {
      const kind = layer.getClassName();
      if (kind === 'Dense') blocks.push({ dense: layer });
      else if (kind === 'BatchNormalization' && blocks.length > 0) blocks[blocks.length - 1].norm = layer;
      else if (kind === 'Activation' && blocks.length > 0) blocks[blocks.length - 1].activation = layer;
    }
    const expected = [inputDim, ...specs.map((s) => s.units)].join('-');
    const inputWidth = model.inputs[0]?.shape[1];
    const received = [inputWidth, ...blocks.map((b) => (b.dense.getConfig() as { units?: number }).units)].join('-');
    if (expected !== received) {
      throw new ModelStateError(`autoencoder: saved network has layers ${received}, its saved params describe ${expected}; the model files do not belong together`);
    }
    const normalised = blocks.filter((b) => b.norm !== undefined).length;
    if (normalised !== (config.batchNorm ? blocks.length - 1 : 0)) {
      throw new ModelStateError(
        `autoencoder: saved network has ${normalised} batch-norm layers, its saved params say batchNorm=${config.batchNorm}; the model files do not belong together`,
      );
    }
    return new DenseNetwork(model, blocks, config.hiddenUnits.length, config.dropout, specs.map((s) => s.activation));
  }

  /** The batch-norm moving means and variances; empty without `batchNorm`. */
  get stateVariables(): tf.Variable[] {
    return this.blocks.flatMap((b) => (b.norm ? b.norm.nonTrainableWeights.map((w) => w.read() as tf.Variable) : []));
  }

  /** The weights gradient descent updates, in layer order (kernel, bias per layer). */
  get trainableVariables(): tf.Variable[] {
    return this.blocks.flatMap(blockLayers).flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
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
    const last = this.blocks.length - 1;
    const isTraining = options.isTraining === true;
    for (let i = 0; i <= last; i++) {
      h = applyBlock(this.blocks[i], h, isTraining, this.activations[i], i === 0 && options.isInputConstant === true);
      if (i === this.codeIndex) {
        code = h;
      } else if (i !== last) {
        if (isDropping) h = dropOut(h, this.dropout, deriveSeed(options.dropoutSeed as number, `dropout-${i}`));
        hidden.push(h);
      }
    }
    return { input: x, target: x, hidden, code: code as tf.Tensor2D, output: h };
  }

  /** The code (bottleneck activations) of `x`. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let i = 0; i <= this.codeIndex; i++) h = applyBlock(this.blocks[i], h, false, this.activations[i]);
    return h;
  }

  /** Rows rebuilt from codes by the decoder layers. */
  decode(code: tf.Tensor2D): tf.Tensor2D {
    let h = code;
    for (let i = this.codeIndex + 1; i < this.blocks.length; i++) h = applyBlock(this.blocks[i], h, false, this.activations[i]);
    return h;
  }

  /** The reconstruction of `x`, without dropout. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    this.blocks.forEach((block, i) => (h = applyBlock(block, h, false, this.activations[i])));
    return h;
  }

  /**
   * ‖∂code/∂x‖²_F per row, exactly. With pre-activations z_i = a_{i-1} W_i + b_i and D_i = diag(f_i'(z_i)),
   * the Jacobian is J = D_L W_Lᵀ … D_1 W_1ᵀ. One layer: ‖J‖² = Σ_j f'(z_j)² Σ_i W_ij². Deeper: M = D_L W_Lᵀ … D_1
   * is carried per row (rows x code x n_1), then ‖M W_1ᵀ‖² = Σ (M G) ⊙ M with G = W_1ᵀ W_1 when n_1 <= d, which
   * never forms the code x d Jacobian. Dropout is not applied (the penalty regularises the deterministic encoder).
   */
  codeJacobianSquaredNorm(x: tf.Tensor2D): tf.Tensor1D {
    const rows = x.shape[0];
    const kernels: tf.Tensor2D[] = [];
    const slopes: tf.Tensor2D[] = [];
    let a: tf.Tensor2D = x;
    for (let i = 0; i <= this.codeIndex; i++) {
      const { kernel, bias } = kernelAndBias(this.blocks[i].dense);
      const z = tf.add(tf.matMul(a, kernel as tf.Tensor2D), bias) as tf.Tensor2D;
      kernels.push(kernel as tf.Tensor2D);
      slopes.push(activationDerivative(this.activations[i], z) as tf.Tensor2D);
      a = activate(this.activations[i], z) as tf.Tensor2D;
    }
    const last = this.codeIndex;
    if (last === 0) {
      const columnNorms = tf.reshape(tf.sum(tf.square(kernels[0]), 0), [-1, 1]);
      return tf.reshape(tf.matMul(tf.square(slopes[0]), columnNorms), [rows]);
    }
    const k = slopes[last].shape[1];
    // M = D_L W_Lᵀ, one k x n_{L-1} matrix per row.
    let m = tf.mul(tf.expandDims(slopes[last], 2), tf.expandDims(tf.transpose(kernels[last]), 0)) as tf.Tensor3D;
    for (let i = last - 1; i >= 1; i--) {
      const scaled = tf.mul(m, tf.expandDims(slopes[i], 1));
      const inWidth = kernels[i].shape[0];
      m = tf.reshape(tf.matMul(tf.reshape(scaled, [rows * k, -1]), kernels[i], false, true), [rows, k, inWidth]);
    }
    const flat = tf.reshape(tf.mul(m, tf.expandDims(slopes[0], 1)), [rows * k, -1]) as tf.Tensor2D;
    const [inputDim, firstWidth] = kernels[0].shape;
    const perCodeUnit =
      firstWidth <= inputDim
        ? tf.sum(tf.mul(tf.matMul(flat, tf.matMul(kernels[0], kernels[0], true, false)), flat), 1)
        : tf.sum(tf.square(tf.matMul(flat, kernels[0], false, true)), 1);
    return tf.sum(tf.reshape(perCodeUnit, [rows, k]), 1) as tf.Tensor1D;
  }

  /** Copies of every weight, in layer order (kernel, bias per layer). */
  weightValues(): Float32Array[] {
    return this.model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** One Dense layer and, with batch norm, its normalisation and activation layers. */
interface Block {
  dense: tf.layers.Layer;
  norm?: tf.layers.Layer;
  activation?: tf.layers.Layer;
}

function blockLayers(block: Block): tf.layers.Layer[] {
  return [block.dense, ...(block.norm ? [block.norm] : []), ...(block.activation ? [block.activation] : [])];
}

/**
 * One block on raw ops over the layers' own variables (what `Layer.apply` computes, without its per-call
 * bookkeeping, which costs more than the arithmetic on small tabular networks): Dense, then with batch norm
 * the normalisation (batch statistics and a moving-average update only when training), then the activation.
 * ReLU and linear blocks run as one fused matMul + bias + activation kernel; all of them use {@link dense},
 * whose gradient avoids wasm's slow transposed products.
 */
function applyBlock(block: Block, x: tf.Tensor2D, isTraining: boolean, activation: Activation, isInputConstant = false): tf.Tensor2D {
  const { kernel, bias } = kernelAndBias(block.dense);
  const [k, b] = [kernel as tf.Tensor2D, bias as tf.Tensor1D];
  if (block.norm) return activate(activation, block.norm.apply(dense(x, k, b, 'linear', isInputConstant), { training: isTraining }) as tf.Tensor2D) as tf.Tensor2D;
  if (activation === 'relu' || activation === 'linear') return dense(x, k, b, activation, isInputConstant);
  return activate(activation, dense(x, k, b, 'linear', isInputConstant)) as tf.Tensor2D;
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
