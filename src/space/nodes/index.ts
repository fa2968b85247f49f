// Registers every node type (each module calls defineNode at load).
import './basic.js';
import './anynet.js';
import './mobile.js';
import './shufflenet.js';
import './ghost.js';
import './squeeze.js';
import './dense.js';
import './parnet.js';
import './espnet.js';
import './weightnet.js';
import './micronet.js';
