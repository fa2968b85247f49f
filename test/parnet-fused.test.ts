// ParNet's deploy form (fused: true) computes the training form's function: the training network, with
// random weights and BN statistics, is folded into the deploy network (dse_torch.reparam, the
// reference's fuse_repvgg_block) and both run in eval mode in torch on the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { complexity, lowerSpec, presetSpec } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';
import { findTorchPython } from '../src/workers/torch/python.js';

const SCRIPT = `
import json, sys, torch
from dse_torch import manifest, network, reparam
m = manifest.load()
nets = json.loads(sys.stdin.read())
torch.manual_seed(0)
train = network.build_network(nets["train"], m)
for mod in train.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 2.0)
        mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
deploy = network.build_network(nets["deploy"], m)
reparam.fold(train, deploy)
train.eval(); deploy.eval()
x = torch.randn(2, *train.input_shape)
with torch.no_grad():
    a, b = train(x), deploy(x)
print(json.dumps({"max_diff": (a - b).abs().max().item(), "scale": a.abs().max().item(),
                  "params": [network.count_params(train), network.count_params(deploy)]}))
`;

for (const name of ['parnet_s']) {
  test(`${name}: the fused network equals the training network in eval mode (64px, 10 classes)`, async () => {
    const { python } = await findTorchPython();
    const train = presetSpec(name, { resolution: 64, classes: 10 });
    const deploy = presetSpec(`${name}_fused`, { resolution: 64, classes: 10 });
    const input = JSON.stringify({ train: lowerSpec(train), deploy: lowerSpec(deploy) });
    const r = spawnSync(python, ['-c', SCRIPT], { input, encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch') }, maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { max_diff: number; scale: number; params: [number, number] };
    assert.ok(out.scale > 1e-3, 'the outputs are not trivially zero');
    assert.ok(out.max_diff <= 1e-4 * Math.max(1, out.scale), `fused and training outputs differ by ${out.max_diff} (scale ${out.scale})`);
    assert.deepEqual(out.params, [complexity(train).params, complexity(deploy).params], 'both built with their counted parameters');
    assert.ok(out.params[1] < out.params[0]);
  });
}
