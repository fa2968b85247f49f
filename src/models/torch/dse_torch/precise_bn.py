"""Precise BN statistics (pycls BN.USE_PRECISE_STATS): before an evaluation, every BN's running mean
and variance are replaced by the exact mean and unbiased variance of its inputs over a fixed set of
training images, forwarded in training mode (batch statistics, as in training) without gradients.
A few epochs of momentum averages over a changing network are poor eval statistics; these are not.

The per-batch statistics are pooled exactly (Chan et al.'s parallel update in float64), so the result
equals the statistics of all the images' BN inputs at once, not the mean of per-batch variances. The
tfjs engine pools the same way (src/models/tfjs/batchNorm.ts, PooledChannelStats)."""

import torch
import torch.nn as nn


class PooledStats:
    """Running count, mean and sum of squared deviations per channel of NCHW batches."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, None, None

    def add(self, x):
        x = x.detach().to(torch.float64)
        dims = [d for d in range(x.dim()) if d != 1]
        n = x.numel() // x.shape[1]
        mean = x.mean(dims)
        m2 = ((x - mean.view(1, -1, *([1] * (x.dim() - 2)))) ** 2).sum(dims)
        if self.n == 0:
            self.n, self.mean, self.m2 = n, mean, m2
            return
        total = self.n + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta * delta * (self.n * n / total)
        self.n = total


def precise_bn_batches(train_n, batch_size, images):
    """The [start, end) slices of the precise-BN pass: full batches of batch_size over the first
    `images` training images (at least one batch), as src/workers/tfjs/train.ts slices them."""
    count = max(1, min(images, train_n) // batch_size)
    return [(i * batch_size, (i + 1) * batch_size) for i in range(count)]


def recompute_bn_stats(model, batches):
    """Forwards each batch (an NCHW tensor from the iterable) in training mode without gradients and
    sets every BatchNorm2d's running statistics to its inputs' pooled mean and unbiased variance.
    Leaves the model in training mode; returns the number of BN layers updated."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return 0
    stats = {bn: PooledStats() for bn in bns}
    handles = [bn.register_forward_pre_hook(lambda m, inputs: stats[m].add(inputs[0])) for bn in bns]
    model.train()
    try:
        with torch.no_grad():
            for x in batches:
                model(x)
    finally:
        for h in handles:
            h.remove()
    for bn in bns:
        s = stats[bn]
        bn.running_mean.copy_(s.mean.to(bn.running_mean.dtype))
        bn.running_var.copy_((s.m2 / max(s.n - 1, 1)).to(bn.running_var.dtype))
    return len(bns)
