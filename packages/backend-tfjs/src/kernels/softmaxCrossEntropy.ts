import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy with its gradient. log-softmax subtracts each row's maximum first, so large
 * logits neither overflow exp nor lose the small probabilities.
 */
export function softmaxCrossEntropy(inputs: { logits: tf.Tensor; labels: tf.Tensor }) {
  const { logits, labels } = inputs;
  const [n, k] = logits.shape;
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  const logProb = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  // One-hot as label == column index: tfjs-backend-wasm's OneHot ignores its dtype and writes int32 bits.
  const isTarget = tf.equal(tf.reshape(labels, [n, 1]), tf.range(0, k, 1, 'int32'));
  const target = tf.cast(isTarget, 'float32');
  // The label's log-probability selected, not target·logProb: a -Infinity logit elsewhere would give 0·(−∞) = NaN.
  const loss = tf.reshape(tf.div(tf.neg(tf.sum(tf.where(isTarget, logProb, tf.zerosLike(logProb)))), n), [1]);
  const dlogits = tf.div(tf.sub(tf.exp(logProb), target), n);
  return { loss, dlogits };
}
