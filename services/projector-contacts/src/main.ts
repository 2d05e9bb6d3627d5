import { runProjectorService } from '@allo-pipeline/projection-runtime';

// Wiring only: config, clients, HTTP probes and signals live in runProjectorService.
await runProjectorService('contacts');
