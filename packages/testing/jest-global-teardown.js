export { default } from './dist/global-teardown.js';
