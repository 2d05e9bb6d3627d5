export type * from './database.js';
export { connectReadModels, type ReadModelConnectionOptions } from './connect.js';
export { migrateToLatest, MigrationError } from './migrate.js';
export {
  PROJECTION_NAMES,
  PUBLIC_TABLES,
  isProjectionName,
  createProjectionTables,
  type ProjectionName,
} from './projection-tables.js';
export {
  bumpEpoch,
  createGeneration,
  dropGeneration,
  ensureLiveGeneration,
  generationSchema,
  lockProjection,
  readLiveGeneration,
  swapLiveGeneration,
  type LiveGeneration,
} from './generations.js';
