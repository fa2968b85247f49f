"""The torch builder of every primitive op of a lowered network (src/space/ops.ts), PyTorch's own
modules wherever PyTorch has one, so the forward-hook counter (counter.py) sees every conv, linear and
pool. An op is built from its attributes alone: TypeScript resolves every value, so nothing here has
a default. Each builder returns (module, expression): the module to register under the op's id (None
for ops without state), and how the generated forward pass computes the op from its inputs.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Linear(nn.Linear):
    """A fully connected layer on [N, C, 1, 1] maps, keeping the map shape (the network stays 4-D)."""

    def forward(self, x):
        return super().forward(x.flatten(1))[:, :, None, None]


def channel_shuffle(x, groups):
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


ACTIVATIONS = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "hswish": nn.Hardswish,
    "hsigmoid": nn.Hardsigmoid,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}


def _pair(v):
    return tuple(int(x) for x in v)


def conv2d(a):
    m = nn.Conv2d(a["c_in"], a["c_out"], _pair(a["k"]), stride=_pair(a["stride"]), padding=_pair(a["pad"]), dilation=_pair(a["dilation"]), groups=a["groups"], bias=a["bias"])
    return m, "{m}({0})"


def bn(a):
    m = nn.BatchNorm2d(a["c"], eps=a["eps"], momentum=a["momentum"])
    m.zero_init = bool(a["zero_init"])
    return m, "{m}({0})"


def act(a):
    if a["fn"] not in ACTIVATIONS:
        raise ValueError("unknown activation {!r}".format(a["fn"]))
    return ACTIVATIONS[a["fn"]](), "{m}({0})"


def prelu(a):
    return nn.PReLU(a["c"]), "{m}({0})"


def maxpool(a):
    return nn.MaxPool2d(_pair(a["k"]), stride=_pair(a["stride"]), padding=_pair(a["pad"]), ceil_mode=a["ceil"]), "{m}({0})"


def avgpool(a):
    return nn.AvgPool2d(_pair(a["k"]), stride=_pair(a["stride"]), padding=_pair(a["pad"]), ceil_mode=a["ceil"], count_include_pad=a["count_include_pad"]), "{m}({0})"


def gap(a):
    return nn.AdaptiveAvgPool2d((1, 1)), "{m}({0})"


def linear(a):
    return Linear(a["c_in"], a["c_out"], bias=a["bias"]), "{m}({0})"


def add(a):
    return None, "{all_sum}"


def mul(a):
    return None, "{0} * {1}"


def concat(a):
    return None, "torch.cat([{all}], 1)"


def slice_(a):
    return None, "{0}[:, %d:%d]" % (a["start"], a["end"])


def shuffle(a):
    return None, "channel_shuffle({0}, %d)" % a["groups"]


def dropout(a):
    return nn.Dropout(a["p"]), "{m}({0})"


def scale(a):
    return None, "{0} * %r" % float(a["factor"])


class DynamicConv2d(nn.Module):
    """A conv with one kernel per sample (its second input, PyTorch weight order): the batch folded
    into the groups, as WeightNet does. The counter costs it as a conv of that shape."""

    def __init__(self, a):
        super().__init__()
        self.in_channels, self.out_channels, self.groups = a["c_in"], a["c_out"], a["groups"]
        self.kernel_size, self.stride, self.padding = tuple(a["k"]), tuple(a["stride"]), tuple(a["pad"])

    def forward(self, x, kernel):
        n, _, h, w = x.shape
        weight = kernel.reshape(n * self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        y = F.conv2d(x.reshape(1, n * self.in_channels, h, w), weight, None, self.stride, self.padding, 1, n * self.groups)
        return y.reshape(n, self.out_channels, y.shape[2], y.shape[3])


def dynamic_conv(a):
    return DynamicConv2d(a), "{m}({0}, {1})"


def maximum(a):
    return None, "torch.maximum({0}, {1})"


def offset(a):
    return None, "{0} + %r" % float(a["value"])


def upsample(a):
    return None, "torch.nn.functional.interpolate({0}, size=(%d, %d), mode='nearest')" % tuple(a["size"])


BUILDERS = {
    "conv2d": conv2d,
    "bn": bn,
    "act": act,
    "prelu": prelu,
    "maxpool": maxpool,
    "avgpool": avgpool,
    "gap": gap,
    "linear": linear,
    "add": add,
    "mul": mul,
    "concat": concat,
    "slice": slice_,
    "shuffle": shuffle,
    "upsample": upsample,
    "max": maximum,
    "offset": offset,
    "dynamic_conv": dynamic_conv,
    "dropout": dropout,
    "scale": scale,
}

NAMESPACE = {"torch": torch, "channel_shuffle": channel_shuffle}
