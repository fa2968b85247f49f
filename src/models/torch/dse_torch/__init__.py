"""dse's torch engine: builds the networks TypeScript lowers (src/space/graph.ts) and trains them.

Modules: ops (a builder per primitive op), network (the nn.Module of a lowered network), counter
(the forward-hook complexity counter), data (the prepared dataset on the device), train (one trial),
protocol (the JSON-lines command loop a slot drives; `python3 -m dse_torch`), manifest (the op list
TypeScript emits, which this package checks itself against).
"""
