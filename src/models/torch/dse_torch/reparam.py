"""Structural reparameterization: a network's training-form weights carried into its deploy form.

RepVGG-style blocks (ParNet's parnet_block and parnet_fusion, src/space/nodes/parnet.ts) train with a
3x3 conv + BN and a 1x1 conv + BN side by side (the 1x1 after a 2x2 average pool when strided) and
deploy as one biased 3x3 conv, as the reference's fuse_repvgg_block folds them
(NonDeepNetworks simplenet_impl/repvgg.py). Every other parameter and BN statistic is copied by
name. In eval mode the deploy network computes the training network's function.
"""

import torch
import torch.nn.functional as F


def fuse_conv_bn(conv, bn):
    """The weight and bias of conv followed by bn in eval mode."""
    std = (bn.running_var + bn.eps).sqrt()
    scale = bn.weight / std
    weight = conv.weight * scale.reshape(-1, 1, 1, 1)
    bias = bn.bias - bn.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    return weight, bias


def one_by_one_as_3x3(weight, pooled):
    """A 1x1 kernel as a 3x3 one: in the centre, or (after a 2x2/2 average pool, for a stride-2 pad-1
    3x3 that reads rows 2i-1..2i+1 while the pool reads 2i..2i+1) spread over the bottom-right 2x2."""
    if not pooled:
        return F.pad(weight, [1, 1, 1, 1])
    return F.pad(F.interpolate(weight, scale_factor=2, mode="nearest") / 4, [1, 0, 1, 0])


@torch.no_grad()
def fold(train, deploy):
    """Loads `deploy` (the fused form) from `train` (the same network in its training form)."""
    t = dict(train.named_modules())
    folded = set()
    for name, m in deploy.named_modules():
        dense, dense_bn = t.get(name + ".conv"), t.get(name + ".bn")
        if not (isinstance(m, torch.nn.Conv2d) and m.bias is not None and dense is not None and dense_bn is not None):
            continue
        weight, bias = fuse_conv_bn(dense, dense_bn)
        base = name[: -len("rbr_dense")]
        one, one_bn = t.get(base + "rbr_1x1.conv"), t.get(base + "rbr_1x1.bn")
        if one is not None:
            w1, b1 = fuse_conv_bn(one, one_bn)
            weight = weight + one_by_one_as_3x3(w1, (base + "rbr_1x1.pool") in t)
            bias = bias + b1
        m.weight.copy_(weight)
        m.bias.copy_(bias)
        folded.update({name + ".weight", name + ".bias"})
    source = train.state_dict()
    target = deploy.state_dict()
    missing = [k for k in target if k not in folded and k not in source]
    if missing:
        raise ValueError("the deploy form has tensors the training form lacks: " + ", ".join(missing[:5]))
    deploy.load_state_dict({k: (target[k] if k in folded else source[k]) for k in target})
