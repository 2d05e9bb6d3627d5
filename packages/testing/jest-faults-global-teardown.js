export { default } from './dist/faults-global-teardown.js';
