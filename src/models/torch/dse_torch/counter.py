"""The forward-hook complexity counter: runs a module once and counts what it really computes, under
pycls's conventions (flops = multiply-accumulates; BN, activations, adds and multiplies free; acts =
output elements of convs, linears and pools with a kernel; a global average pool is free; params =
every learnable tensor). It works on any nn.Module (dse's networks and the reference implementations
alike), which is what makes it the guard against drift between dse's analytic counter and its engines.
"""

import torch
import torch.nn as nn


def count(model, input_shape, device="cpu"):
    """{flops, params, acts, layers} of one eval-mode forward pass on a batch of one."""
    rows = []

    def conv_hook(m, inputs, out):
        kh, kw = m.kernel_size
        c_out, h, w = out.shape[1], out.shape[2], out.shape[3]
        positions = h * w
        flops = kh * kw * (m.in_channels // m.groups) * c_out * positions + (c_out * positions if m.bias is not None else 0)
        rows.append({"name": names[m], "op": "conv", "flops": flops, "acts": c_out * positions})

    def linear_hook(m, inputs, out):
        locations = out.numel() // (out.shape[0] * m.out_features)
        flops = (m.in_features * m.out_features + (m.out_features if m.bias is not None else 0)) * locations
        rows.append({"name": names[m], "op": "linear", "flops": flops, "acts": m.out_features * locations})

    def pool_hook(m, inputs, out):
        rows.append({"name": names[m], "op": "pool", "flops": 0, "acts": out.numel() // out.shape[0]})

    def dynamic_conv_hook(m, inputs, out):
        # a per-sample kernel (WeightNet): costed as a conv of its shape, no bias; the kernel is no parameter
        kh, kw = m.kernel_size
        c_out, positions = out.shape[1], out.shape[2] * out.shape[3]
        rows.append({"name": names[m], "op": "dynamic_conv", "flops": kh * kw * (m.in_channels // m.groups) * c_out * positions, "acts": c_out * positions})

    names = {m: n for n, m in model.named_modules()}
    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            handles.append(m.register_forward_hook(pool_hook))
        elif type(m).__name__ == "DynamicConv2d":
            handles.append(m.register_forward_hook(dynamic_conv_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1,) + tuple(input_shape), device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {
        "flops": sum(r["flops"] for r in rows),
        "params": sum(p.numel() for p in model.parameters()),
        "acts": sum(r["acts"] for r in rows),
        "layers": rows,
    }
