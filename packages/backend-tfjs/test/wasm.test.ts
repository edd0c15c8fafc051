import { deviceSuite } from './support/device-suite.js';

deviceSuite('wasm');
