"""The torch builder registry: an nn.Module from a dse ModelSpec (src/space/spec.ts).

STEMS and BLOCKS are keyed by the same names as the registry in src/space/blocks.ts, whose analytic
complexity counters give the parameter count every network built here must have (a test checks it).
The modules follow pycls (pycls/models/anynet.py and blocks.py) exactly: layer order, BN eps and
momentum, the projection shortcut rule, SE placement and width, and init_weights. Module names follow
pycls too (stem, s1.b1.f.a_bn, head.fc, ...), so state_dict keys line up with a pycls AnyNet.

Adding a block family = one builder function in BLOCKS (and its counter in src/space/blocks.ts and a
tfjs builder in src/models/tfjs/blocks.ts). A builder takes the block's dict from the spec.
"""

import math

import torch
import torch.nn as nn

BN_EPS = 1e-5  # pycls BN.EPS
BN_MOM = 0.1  # pycls BN.MOM (PyTorch convention)


class BuildError(ValueError):
    """The spec names something this registry cannot build, or its parameters are inconsistent."""


# ---------------------------------------------------------------- layers (pycls blocks.py helpers)


def conv2d(w_in, w_out, k, *, stride=1, groups=1, bias=False):
    if k % 2 != 1:
        raise BuildError("conv kernel must be odd, got {}".format(k))
    return nn.Conv2d(w_in, w_out, k, stride=stride, padding=(k - 1) // 2, groups=groups, bias=bias)


def norm2d(w_in):
    return nn.BatchNorm2d(num_features=w_in, eps=BN_EPS, momentum=BN_MOM)


def activation():
    return nn.ReLU(inplace=True)


def final_norm2d(w_in):
    """The last BN of a residual branch: the one BN.ZERO_INIT_FINAL_GAMMA zero-initializes."""
    bn = norm2d(w_in)
    bn.final_bn = True
    return bn


# ---------------------------------------------------------------- derived widths (as src/space/blocks.ts)


def bottleneck_width(block):
    # Python's round() is half-to-even, like roundHalfEven in src/util/round.ts.
    return int(round(block["w_out"] * block_param(block, "bot_mul")))


def bottleneck_groups(block):
    return bottleneck_width(block) // block_param(block, "group_w")


def se_width(block):
    return int(round(block["w_in"] * block_param(block, "se_r")))


def has_projection(block):
    return block["w_in"] != block["w_out"] or block["stride"] != 1


# Defaults for omitted block parameters; the same values as BOTTLENECK_PARAMS in src/space/blocks.ts.
BLOCK_PARAM_DEFAULTS = {"bot_mul": 1.0, "group_w": 1, "se_r": 0.0}


def block_param(block, key):
    value = block.get(key, BLOCK_PARAM_DEFAULTS.get(key))
    if value is None:
        raise BuildError("block {} has no parameter {}".format(block.get("type"), key))
    return value


# ---------------------------------------------------------------- modules


class Sequence(nn.Module):
    """Runs its children in registration order (pycls's `for layer in self.children()`)."""

    def forward(self, x):
        for layer in self.children():
            x = layer(x)
        return x


class SE(nn.Module):
    """Squeeze-and-Excitation: GAP, 1x1 conv (bias), ReLU, 1x1 conv (bias), sigmoid, multiply."""

    def __init__(self, w_in, w_se):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.f_ex = nn.Sequential(
            conv2d(w_in, w_se, 1, bias=True),
            activation(),
            conv2d(w_se, w_in, 1, bias=True),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return x * self.f_ex(self.avg_pool(x))


class Stem(Sequence):
    """conv (k, stride), BN, ReLU, then an optional max-pool: all three pycls stems."""

    def __init__(self, w_in, w_out, k, stride, pool):
        super().__init__()
        self.conv = conv2d(w_in, w_out, k, stride=stride)
        self.bn = norm2d(w_out)
        self.af = activation()
        if pool:
            self.pool = nn.MaxPool2d(3, stride=2, padding=1)


class VanillaBlock(Sequence):
    """[3x3 conv, BN, ReLU] x2; no shortcut."""

    def __init__(self, block):
        super().__init__()
        w_in, w_out, stride = block["w_in"], block["w_out"], block["stride"]
        self.a = conv2d(w_in, w_out, 3, stride=stride)
        self.a_bn = norm2d(w_out)
        self.a_af = activation()
        self.b = conv2d(w_out, w_out, 3)
        self.b_bn = norm2d(w_out)
        self.b_af = activation()


class BasicTransform(Sequence):
    """3x3 conv (stride), BN, ReLU, 3x3 conv, BN."""

    def __init__(self, block):
        super().__init__()
        w_in, w_out, stride = block["w_in"], block["w_out"], block["stride"]
        self.a = conv2d(w_in, w_out, 3, stride=stride)
        self.a_bn = norm2d(w_out)
        self.a_af = activation()
        self.b = conv2d(w_out, w_out, 3)
        self.b_bn = final_norm2d(w_out)


class BottleneckTransform(Sequence):
    """1x1, BN, ReLU; 3x3 grouped (stride), BN, ReLU; [SE]; 1x1, BN."""

    def __init__(self, block):
        super().__init__()
        w_in, w_out, stride = block["w_in"], block["w_out"], block["stride"]
        w_b = bottleneck_width(block)
        group_w = block_param(block, "group_w")
        if w_b < 1:
            raise BuildError("bottleneck width round({}*{}) is 0".format(w_out, block_param(block, "bot_mul")))
        if w_b % group_w != 0:
            raise BuildError("bottleneck width {} is not a multiple of group_w {}".format(w_b, group_w))
        w_se = se_width(block)
        self.a = conv2d(w_in, w_b, 1)
        self.a_bn = norm2d(w_b)
        self.a_af = activation()
        self.b = conv2d(w_b, w_b, 3, stride=stride, groups=bottleneck_groups(block))
        self.b_bn = norm2d(w_b)
        self.b_af = activation()
        if w_se:
            self.se = SE(w_b, w_se)
        self.c = conv2d(w_b, w_out, 1)
        self.c_bn = final_norm2d(w_out)


class ResidualBlock(nn.Module):
    """x + f(x) (a 1x1 conv + BN projection of x when the width or resolution changes), then ReLU."""

    def __init__(self, block, transform):
        super().__init__()
        self.proj_block = has_projection(block)
        if self.proj_block:
            self.proj = conv2d(block["w_in"], block["w_out"], 1, stride=block["stride"])
            self.bn = norm2d(block["w_out"])
        self.f = transform(block)
        self.af = activation()

    def forward(self, x):
        x = self.bn(self.proj(x)) + self.f(x) if self.proj_block else x + self.f(x)
        return self.af(x)


class AnyHead(nn.Module):
    """Optional 1x1 conv + BN + ReLU (head_w > 0), global average pool, FC with bias."""

    def __init__(self, w_in, head_w, num_classes):
        super().__init__()
        self.head_w = head_w
        if head_w > 0:
            self.conv = conv2d(w_in, head_w, 1)
            self.bn = norm2d(head_w)
            self.af = activation()
            w_in = head_w
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(w_in, num_classes, bias=True)

    def forward(self, x):
        if self.head_w > 0:
            x = self.af(self.bn(self.conv(x)))
        x = self.avg_pool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


# ---------------------------------------------------------------- registries

STEMS = {
    "simple_stem_in": lambda w_in, w_out: Stem(w_in, w_out, 3, 2, pool=False),
    "res_stem_in": lambda w_in, w_out: Stem(w_in, w_out, 7, 2, pool=True),
    "res_stem_cifar": lambda w_in, w_out: Stem(w_in, w_out, 3, 1, pool=False),
}

BLOCKS = {
    "vanilla_block": VanillaBlock,
    "res_basic_block": lambda block: ResidualBlock(block, BasicTransform),
    "res_bottleneck_block": lambda block: ResidualBlock(block, BottleneckTransform),
}


# ---------------------------------------------------------------- whole network


class AnyNet(Sequence):
    """stem, s1..sN (stages of blocks b1..bK, as the spec's `stage` fields group them), head."""

    def __init__(self, spec):
        super().__init__()
        stem_type = spec["stem"]["type"]
        if stem_type not in STEMS:
            raise BuildError('unknown stem type "{}" (known: {})'.format(stem_type, ", ".join(STEMS)))
        self.stem = STEMS[stem_type](spec["input"]["channels"], spec["stem"]["w_out"])
        stages = []
        prev_w = spec["stem"]["w_out"]
        for i, block in enumerate(spec["blocks"]):
            if block["type"] not in BLOCKS:
                raise BuildError('blocks[{}]: unknown block type "{}" (known: {})'.format(i, block["type"], ", ".join(BLOCKS)))
            if block["w_in"] != prev_w:
                raise BuildError("blocks[{}].w_in is {} but the previous layer outputs {}".format(i, block["w_in"], prev_w))
            if not stages or stages[-1][0] != block["stage"]:
                stages.append((block["stage"], Sequence()))
            stage = stages[-1][1]
            try:
                module = BLOCKS[block["type"]](block)
            except BuildError as e:
                raise BuildError("blocks[{}]: {}".format(i, e)) from None
            stage.add_module("b{}".format(len(stage._modules) + 1), module)
            prev_w = block["w_out"]
        for i, (_, stage) in enumerate(stages):
            self.add_module("s{}".format(i + 1), stage)
        self.head = AnyHead(prev_w, spec["head"]["head_w"], spec["head"]["num_classes"])


def init_weights(m, zero_init_final_gamma=False):
    """pycls init_weights: conv N(0, sqrt(2/fan_out)) with fan_out = k*k*w_out, BN gamma 1 (or 0 for a
    block's final BN when zero_init_final_gamma) and beta 0, linear N(0, 0.01) with bias 0. Conv biases
    (only the SE convs have one) keep PyTorch's default init, as in pycls."""
    if isinstance(m, nn.Conv2d):
        fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
        m.weight.data.normal_(mean=0.0, std=math.sqrt(2.0 / fan_out))
    elif isinstance(m, nn.BatchNorm2d):
        zero = zero_init_final_gamma and getattr(m, "final_bn", False)
        m.weight.data.fill_(0.0 if zero else 1.0)
        m.bias.data.zero_()
    elif isinstance(m, nn.Linear):
        m.weight.data.normal_(mean=0.0, std=0.01)
        m.bias.data.zero_()


def build_model(spec, zero_init_final_gamma=False):
    """The nn.Module for a ModelSpec dict, initialized like pycls (seed torch first for repeatability)."""
    model = AnyNet(spec)
    model.apply(lambda m: init_weights(m, zero_init_final_gamma))
    return model


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def bn_parameters(model):
    """Ids of the BN weights and biases (pycls BN.USE_CUSTOM_WEIGHT_DECAY applies to these)."""
    return {id(p) for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters(recurse=False)}


def _self_check():
    """python3 builders.py: builds a small RegNetY-like spec and prints its parameter count."""
    spec = {
        "version": 1,
        "input": {"channels": 3, "resolution": 32},
        "stem": {"type": "res_stem_cifar", "w_out": 16},
        "blocks": [
            {"type": "res_bottleneck_block", "w_in": 16, "w_out": 24, "stride": 2, "stage": 0, "bot_mul": 1, "group_w": 8, "se_r": 0.25},
            {"type": "res_bottleneck_block", "w_in": 24, "w_out": 24, "stride": 1, "stage": 0, "bot_mul": 1, "group_w": 8, "se_r": 0.25},
        ],
        "head": {"num_classes": 10, "head_w": 0},
    }
    model = build_model(spec)
    out = model(torch.zeros(2, 3, 32, 32))
    print("params", count_params(model), "output", tuple(out.shape))


if __name__ == "__main__":
    _self_check()
