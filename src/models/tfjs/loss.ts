/**
 * Cross-entropy with label smoothing, as torch.nn.CrossEntropyLoss(label_smoothing=eps): the target
 * distribution is (1 - eps) * onehot + eps / K, the loss its mean cross-entropy with softmax(logits)
 * over the batch. One differentiable op with the closed-form gradient (softmax - target) / N.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Mean smoothed cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Scalar {
  const [n, k] = logits.shape;
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const target = tf.add(tf.mul(tf.oneHot(labels, k), 1 - smoothing), smoothing / k);
    const logProbs = tf.logSoftmax(z);
    save([tf.exp(logProbs), target]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(target, logProbs))), n) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [probs, t]: tf.Tensor[]) => [tf.mul(dy as tf.Scalar, tf.div(tf.sub(probs, t), n))],
    };
  });
  return loss(logits) as tf.Scalar;
}
