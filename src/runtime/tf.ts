// The TensorFlow.js that latentflow runs on, imported from here and nowhere else (issue 17): tfjs-core for
// ops, tapes and optimizers, tfjs-layers for models and their save format, and the cpu backend, which always
// loads. Not the @tensorflow/tfjs umbrella, which adds the graph-model converter, tfjs-data, the WebGL
// backend and a bundle of all of them (about 190 MB installed, none of it used in Node). The gradients the
// umbrella registers are registered by tfjs-layers' Node bundle as well; no code here uses chained ops
// (`t.add(…)`), which only the umbrella installs.
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
