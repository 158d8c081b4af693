import * as tf from './tf.js';
import { NATIVE_BACKEND, isNativeBackend, type NativeBackend } from './native-ops.js';

/** Eigenvalues and unit eigenvectors of a symmetric matrix, in float64. */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows, row-major `d x d`: row `c` belongs to `values[c]`. */
  vectors: Float64Array;
}

/** TensorFlow's enum value of float64 (tf_datatype.h); tfjs-node's binding does not export it. */
const TF_DOUBLE = 2;

/**
 * Full eigendecomposition of the symmetric `d x d` matrix `a` (row-major, float64) by TensorFlow's
 * `SelfAdjointEigV2` in float64, on the native backend; `undefined` on any other. tfjs has no float64
 * tensors, so the matrix crosses as int64 bit patterns (`Bitcast` on either side, no conversion) and never
 * enters the tfjs engine. Exact to float64 rounding, unlike a float32 solve: on MNIST's 667 varying
 * pixels it took about 0.12 s of CPU, where Lanczos in JavaScript took 0.3-0.6 s for the leading 30-160
 * axes (`npx tsx bench/wide-pca.ts`).
 */
export function nativeSymmetricEigen(a: Float64Array, d: number): SymmetricEigen | undefined {
  if (!isNativeBackend()) return undefined;
  const { binding } = tf.findBackend(NATIVE_BACKEND) as unknown as NativeBackend;
  const type = (name: string, value: number) => ({ name, type: binding.TF_ATTR_TYPE, value });
  const bitcast = (id: number, from: number, to: number) => binding.executeOp('Bitcast', [type('T', from), type('type', to)], [id], 1)[0].id;
  const ids: number[] = [];
  try {
    // A copy, so the caller's buffer is never shared with TensorFlow.
    ids.push(binding.createTensor([d, d], binding.TF_INT64, new Int32Array(Float64Array.from(a).buffer)));
    ids.push(bitcast(ids[0], binding.TF_INT64, TF_DOUBLE));
    const [values, vectors] = binding.executeOp('SelfAdjointEigV2', [{ name: 'compute_v', type: binding.TF_ATTR_BOOL, value: true }, type('T', TF_DOUBLE)], [ids[1]], 2);
    ids.push(values.id, vectors.id);
    const read = (id: number): Float64Array => {
      const bits = bitcast(id, TF_DOUBLE, binding.TF_INT64);
      ids.push(bits);
      const data = binding.tensorDataSync(bits);
      return new Float64Array(data.buffer, data.byteOffset, data.length);
    };
    const ascending = read(values.id);
    const columns = read(vectors.id);
    // TensorFlow gives values ascending and vectors as columns; callers want both descending, as rows.
    const out: SymmetricEigen = { values: new Float64Array(d), vectors: new Float64Array(d * d) };
    for (let c = 0; c < d; c++) {
      const source = d - 1 - c;
      out.values[c] = ascending[source];
      for (let j = 0; j < d; j++) out.vectors[c * d + j] = columns[j * d + source];
    }
    return out;
  } finally {
    ids.forEach((id) => binding.deleteTensor(id));
  }
}
