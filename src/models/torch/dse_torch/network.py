"""The nn.Module of a lowered network (src/space/graph.ts lowerSpec): every op's module registered at
its id's module path (s1.b1.f.a), so parameters are named as in pycls (s1.b1.f.a.weight), and a forward
pass generated as straight-line Python code over the ops in topological order (no interpreter loop
on the hot path; values are deleted after their last use).
"""

import math

import torch.nn as nn

from . import manifest as manifest_mod
from . import ops


class BuildError(ValueError):
    """The lowered network cannot be built (an op this engine lacks, names that collide)."""


class Network(nn.Module):
    def __init__(self, net, manifest):
        super().__init__()
        self.input_shape = (net["input"]["channels"], net["input"]["height"], net["input"]["width"])
        self.cost = net.get("cost")
        calls, lines = [], []
        names = {"input": "x"}
        last_use = {}
        for i, op in enumerate(net["ops"]):
            for src in op["inputs"]:
                last_use[src] = i
        for i, op in enumerate(net["ops"]):
            try:
                manifest_mod.check_op(manifest, op)
            except manifest_mod.ManifestError as e:
                raise BuildError(str(e)) from None
            module, expr = ops.BUILDERS[op["op"]](op["attrs"])
            args = []
            for src in op["inputs"]:
                if src not in names:
                    raise BuildError("{}: input {!r} is not an earlier op".format(op["id"], src))
                args.append(names[src])
            fields = {"all": ", ".join(args), "all_sum": " + ".join(args)}
            if module is not None:
                self._attach(op["id"], module)
                calls.append(module)
                fields["m"] = "c[{}]".format(len(calls) - 1)
            var = "v{}".format(i)
            lines.append("    {} = {}".format(var, expr.format(*args, **fields)))
            names[op["id"]] = var
            dead = [names[src] for src in set(op["inputs"]) if last_use.get(src) == i and src != "input"]
            if dead:
                lines.append("    del {}".format(", ".join(sorted(dead))))
        if net["output"] not in names:
            raise BuildError("output {!r} is not an op".format(net["output"]))
        lines.append("    return {}.flatten(1)".format(names[net["output"]]))
        source = "def forward(x):\n" + "\n".join(lines) + "\n"
        scope = dict(ops.NAMESPACE, c=calls)
        exec(compile(source, "<dse network>", "exec"), scope)  # noqa: S102 -- our own generated code
        self._forward = scope["forward"]
        self.source = source

    def _attach(self, path, module):
        parts = path.split(".")
        parent = self
        for k, part in enumerate(parts[:-1]):
            child = parent._modules.get(part)
            if child is None:
                child = nn.Module()
                parent.add_module(part, child)
            elif not type(child) is nn.Module:
                raise BuildError("{}: {} is an op, not a namespace".format(path, ".".join(parts[: k + 1])))
            parent = child
        if parts[-1] in parent._modules:
            raise BuildError("{}: two ops have this name".format(path))
        parent.add_module(parts[-1], module)

    def forward(self, x):
        return self._forward(x)


def init_weights(m, zero_init_final_gamma=False):
    """pycls init_weights: conv N(0, sqrt(2/fan_out)) with fan_out = k_h*k_w*c_out, BN gamma 1 (or 0 for a
    block's final BN when zero_init_final_gamma) and beta 0, linear N(0, 0.01) with bias 0. Conv biases
    keep PyTorch's default init, as in pycls; PReLU keeps 0.25."""
    if isinstance(m, nn.Conv2d):
        fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
        m.weight.data.normal_(mean=0.0, std=math.sqrt(2.0 / fan_out))
    elif isinstance(m, nn.BatchNorm2d):
        zero = zero_init_final_gamma and getattr(m, "zero_init", False)
        m.weight.data.fill_(0.0 if zero else 1.0)
        m.bias.data.zero_()
    elif isinstance(m, nn.Linear):
        m.weight.data.normal_(mean=0.0, std=0.01)
        if m.bias is not None:
            m.bias.data.zero_()


def build_network(net, manifest, zero_init_final_gamma=False):
    """The nn.Module of a lowered network, initialized like pycls (seed torch first for repeatability)."""
    model = Network(net, manifest)
    model.apply(lambda m: init_weights(m, zero_init_final_gamma))
    return model


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def bn_parameters(model):
    """Ids of the BN weights and biases (pycls BN.USE_CUSTOM_WEIGHT_DECAY applies to these)."""
    return {id(p) for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters(recurse=False)}
