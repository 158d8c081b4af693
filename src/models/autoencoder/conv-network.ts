import * as tf from '../../runtime/tf.js';
import { ModelStateError } from '../../errors.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import type { Activation } from './autoencoder-options.js';
import type { AutoencoderNetwork, ForwardOptions, ForwardPass } from './dense-network.js';
import { activate, dropOut, kernelAndBias } from './network-ops.js';
import { deriveSeed } from '../random.js';

/** One step of the network: a layer, and for convolutions the activation applied after the im2col product. */
interface Step {
  layer: tf.layers.Layer;
  kind: 'conv' | 'dense' | 'shape';
  activation?: Activation;
  /** Dense hidden layers only: dropout applies after them in training. */
  isHidden?: boolean;
}

const CODE_LAYER = 'code';

/**
 * The convolutional autoencoder's network, for rows that are images of `convolutional.shape`
 * (height, width, channels; row-major, channels last).
 *
 * Encoder: reshape to the image, per entry of `filters` a Conv2D (kernel `kernelSize`, 'same' padding,
 * `activation`) and a max pooling by `poolSize`, flatten, dense `hiddenUnits`, dense `code`. Decoder: dense
 * `decoderUnits`, a dense layer back to the smallest feature map, then per level an upsampling by `poolSize`
 * and a Conv2D with the encoder's filters in reverse, and a final Conv2D to the image channels with
 * `outputActivation`, flattened to the row. Saved as a standard tfjs `Sequential` of Conv2D / MaxPooling2D /
 * UpSampling2D / Dense layers.
 *
 * Convolutions run through {@link conv2dSame}, whose filter gradient works on the WebAssembly backend (which
 * lacks tfjs' own); values are those of the layers' own `apply`.
 */
export class ConvNetwork implements AutoencoderNetwork {
  private constructor(
    readonly model: tf.LayersModel,
    private readonly encoderSteps: Step[],
    private readonly decoderSteps: Step[],
    private readonly dropout: number,
  ) {}

  static build(inputDim: number, config: ResolvedAutoencoderConfig): ConvNetwork {
    const { encoder, decoder } = stepSpecs(config);
    const layers = [...encoder, ...decoder].map((spec, i) => spec.make(i === 0 ? [inputDim] : undefined));
    const model = tf.sequential({ name: 'conv_autoencoder', layers });
    const steps = layers.map((layer, i) => ({ ...[...encoder, ...decoder][i].step, layer }));
    return new ConvNetwork(model, steps.slice(0, encoder.length), steps.slice(encoder.length), config.dropout);
  }

  static fromModel(model: tf.LayersModel, inputDim: number, config: ResolvedAutoencoderConfig): ConvNetwork {
    const { encoder, decoder } = stepSpecs(config);
    const specs = [...encoder, ...decoder];
    const describe = (names: string[]) => names.join(', ');
    const received = model.layers.map((l) => l.name);
    if (describe(received) !== describe(specs.map((s) => s.name))) {
      throw new ModelStateError(
        `autoencoder: saved network has layers [${describe(received)}], its saved params describe [${describe(specs.map((s) => s.name))}]; the model files do not belong together`,
      );
    }
    const steps = specs.map((spec, i) => ({ ...spec.step, layer: model.layers[i] }));
    for (const [i, spec] of specs.entries()) {
      const units = (model.layers[i].getConfig() as { units?: number; filters?: number }).units ?? (model.layers[i].getConfig() as { filters?: number }).filters;
      if (spec.width !== undefined && units !== spec.width) {
        throw new ModelStateError(`autoencoder: saved layer "${spec.name}" has width ${String(units)}, its saved params describe ${spec.width}; the model files do not belong together`);
      }
    }
    return new ConvNetwork(model, steps.slice(0, encoder.length), steps.slice(encoder.length), config.dropout);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.encoderSteps, ...this.decoderSteps].flatMap((s) => s.layer.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  forward(x: tf.Tensor2D, options: ForwardOptions = {}): ForwardPass {
    const isDropping = options.isTraining === true && this.dropout > 0;
    if (isDropping && options.dropoutSeed === undefined) {
      throw new ModelStateError('autoencoder: a training forward pass with dropout needs a dropoutSeed');
    }
    const hidden: tf.Tensor2D[] = [];
    const run = (steps: Step[], from: tf.Tensor, label: string): tf.Tensor => {
      let h = from;
      steps.forEach((step, i) => {
        h = this.apply(step, h);
        if (step.isHidden) {
          if (isDropping) h = dropOut(h, this.dropout, deriveSeed(options.dropoutSeed as number, `dropout-${label}-${i}`));
          hidden.push(h as tf.Tensor2D);
        }
      });
      return h;
    };
    const code = run(this.encoderSteps, x, 'encoder') as tf.Tensor2D;
    const output = run(this.decoderSteps, code, 'decoder') as tf.Tensor2D;
    return { input: x, target: x, hidden, code, output };
  }

  encode(x: tf.Tensor2D): tf.Tensor2D {
    return this.encoderSteps.reduce<tf.Tensor>((h, step) => this.apply(step, h), x) as tf.Tensor2D;
  }

  decode(code: tf.Tensor2D): tf.Tensor2D {
    return this.decoderSteps.reduce<tf.Tensor>((h, step) => this.apply(step, h), code) as tf.Tensor2D;
  }

  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return this.decode(this.encode(x));
  }

  weightValues(): Float32Array[] {
    return this.model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  }

  dispose(): void {
    this.model.dispose();
  }

  private apply(step: Step, h: tf.Tensor): tf.Tensor {
    if (step.kind !== 'conv') return step.layer.apply(h) as tf.Tensor;
    const { kernel, bias } = kernelAndBias(step.layer);
    return activate(step.activation ?? 'linear', tf.add(conv2dSame(h as tf.Tensor4D, kernel as tf.Tensor4D), bias));
  }
}

/**
 * A stride-1 'same' convolution (odd kernel side k) with a hand-written gradient: TensorFlow.js' WebAssembly
 * backend has no kernel for the filter gradient (`Conv2DBackpropFilter`), so that gradient is computed
 * with forward convolutions, which every backend has. For 'same' padding p = (k−1)/2:
 * dW[i, j, c, o] = Σ_{b, y, x} xpad[b, y+i, x+j, c] · dy[b, y, x, o], a 'valid' convolution of the padded input
 * with batch and channel axes swapped (channels as the batch, rows as input channels) by dy used as an
 * H×W filter; dx is the 'same' convolution of dy with the spatially flipped, channel-swapped kernel. Values equal
 * `tf.conv2d(x, w, 1, 'same')`; gradients equal tfjs' own up to float summation order.
 */
export function conv2dSame(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return sameConvolution(x, kernel) as tf.Tensor4D;
}

const sameConvolution = tf.customGrad(((x: tf.Tensor4D, kernel: tf.Tensor4D, save: tf.GradSaveFunc) => {
  save([x, kernel]);
  return {
    value: tf.conv2d(x, kernel, 1, 'same'),
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [input, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const pad = (w.shape[0] - 1) / 2;
      // dx[y, x, c] = Σ dy[y - i + p, x - j + p, o] · w[i, j, c, o]: a 'same' convolution of dy with the kernel
      // flipped in space and with in/out channels swapped (faster on wasm than Conv2DBackpropInput).
      const dx = tf.conv2d(dy, tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 'same');
      const padded = tf.pad(input, [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
      const dwChannelsFirst = tf.conv2d(tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid');
      return [dx, tf.transpose(dwChannelsFirst, [1, 2, 0, 3])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);

interface LayerSpec {
  name: string;
  /** Units (dense) or filters (conv), checked on load. */
  width?: number;
  step: Omit<Step, 'layer'>;
  make(inputShape: number[] | undefined): tf.layers.Layer;
}

/** The layer list for `config`, encoder (ending with the code) then decoder. */
function stepSpecs(config: ResolvedAutoencoderConfig): { encoder: LayerSpec[]; decoder: LayerSpec[] } {
  const conv = config.convolutional;
  if (conv === null) throw new ModelStateError('autoencoder: ConvNetwork needs the convolutional option');
  const [height, width, channels] = conv.shape;
  const { filters, kernelSize, poolSize } = conv;
  const kernelInit = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, `conv-${name}`) });
  const convSpec = (name: string, n: number, activation: Activation): LayerSpec => ({
    name,
    width: n,
    step: { kind: 'conv', activation },
    make: (inputShape) =>
      tf.layers.conv2d({ name, filters: n, kernelSize, padding: 'same', activation, inputShape, kernelInitializer: kernelInit(name), biasInitializer: 'zeros' }),
  });
  const denseSpec = (name: string, units: number, activation: Activation, isHidden: boolean): LayerSpec => ({
    name,
    width: units,
    step: { kind: 'dense', isHidden },
    make: (inputShape) => tf.layers.dense({ name, units, activation, inputShape, kernelInitializer: kernelInit(name), biasInitializer: 'zeros' }),
  });
  const shapeSpec = (name: string, make: (inputShape: number[] | undefined) => tf.layers.Layer): LayerSpec => ({ name, step: { kind: 'shape' }, make });

  const levels = filters.length;
  const small = [height / poolSize ** levels, width / poolSize ** levels, filters[levels - 1]];
  const encoder: LayerSpec[] = [shapeSpec('to_image', (inputShape) => tf.layers.reshape({ name: 'to_image', targetShape: [height, width, channels], inputShape }))];
  filters.forEach((n, i) => {
    encoder.push(convSpec(`conv_${i}`, n, config.activation));
    if (poolSize > 1) encoder.push(shapeSpec(`pool_${i}`, () => tf.layers.maxPooling2d({ name: `pool_${i}`, poolSize, strides: poolSize, padding: 'valid' })));
  });
  encoder.push(shapeSpec('flatten', () => tf.layers.flatten({ name: 'flatten' })));
  config.hiddenUnits.forEach((units, i) => encoder.push(denseSpec(`encoder_${i}`, units, config.activation, true)));
  encoder.push(denseSpec(CODE_LAYER, config.codeSize, config.codeActivation, false));

  const decoder: LayerSpec[] = config.decoderUnits.map((units, i) => denseSpec(`decoder_${i}`, units, config.activation, true));
  decoder.push(denseSpec('to_feature_map', small[0] * small[1] * small[2], config.activation, false));
  decoder.push(shapeSpec('from_code', () => tf.layers.reshape({ name: 'from_code', targetShape: small })));
  for (let level = levels - 1; level >= 0; level--) {
    if (poolSize > 1) decoder.push(shapeSpec(`upsample_${level}`, () => tf.layers.upSampling2d({ name: `upsample_${level}`, size: [poolSize, poolSize] })));
    // Mirrors conv_{level}: it mapped filters[level - 1] (or the image) to filters[level]; this maps back.
    if (level > 0) decoder.push(convSpec(`deconv_${level}`, filters[level - 1], config.activation));
  }
  decoder.push(convSpec('reconstruction_conv', channels, config.outputActivation));
  decoder.push(shapeSpec('reconstruction', () => tf.layers.flatten({ name: 'reconstruction' })));
  return { encoder, decoder };
}
