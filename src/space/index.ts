/**
 * The space room: the model spec, the node-type registry, shapes and exact complexity, lowering to
 * the ops the engines build, and the RegNet/AnyNet constructions. Other rooms import from here.
 */
export * from './spec.js';
export * from './params.js';
export * from './ops.js';
export * from './builder.js';
export * from './registry.js';
export * from './graph.js';
export * from './stages.js';
export * from './build.js';
export * from './stageCx.js';
export * from './regnet.js';
export * from './format.js';
export * from './manifest.js';
export * from './deploy.js';
export { bottleneckWidth } from './nodes/anynet.js';
export * from './rounding.js';
export * from './presets/index.js';
