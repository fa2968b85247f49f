// Registers every preset (each module calls definePreset at load).
import './timm.js';
import './torchvision.js';
import './mobilevision.js';
import './paddleclas.js';
import './shufflenet.js';
import './ghostnet.js';
import './squeezenet.js';
import './pytorchcv.js';
import './parnet.js';
import './espnet.js';
import './weightnet.js';
import './micronet.js';

export { type Family, type Preset, type PresetInput, families, family, preset, presetSpec, presets } from './registry.js';
