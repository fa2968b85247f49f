// Registers every preset (each module calls definePreset at load).
import './timm.js';
import './torchvision.js';
import './mobilevision.js';
import './paddleclas.js';

export { type Preset, type PresetInput, preset, presetSpec, presets } from './registry.js';
