export {
  EXIT_CODES,
  READY_MESSAGE,
  readConfigOrExit,
  runUntilStopped,
  type ClosableService,
  type LifecycleLogger,
  type LifecycleProcess,
  type RunUntilStoppedOptions,
  type ServiceControls,
} from './run-until-stopped.js';
