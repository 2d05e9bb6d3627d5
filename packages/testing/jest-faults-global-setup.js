// Jest loads this file natively; the compiled setup lives in dist (npm run test:faults builds first).
export { default } from './dist/faults-global-setup.js';
