// Jest loads this file natively; the compiled setup lives in dist (npm run test:integration builds first).
export { default } from './dist/global-setup.js';
