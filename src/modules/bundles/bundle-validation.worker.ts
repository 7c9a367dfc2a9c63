/**
 * Worker thread entry: validates bundle YAML off the main event loop (see bundle-validator.ts).
 * Messages in: `{ id, text }`; out: `{ id, result }`. The validator never throws.
 */
import { parentPort } from 'node:worker_threads';
import { validateBundleYaml } from './bundle-validation.js';

interface Job {
  id: number;
  text: string;
}

const port = parentPort;
if (port) {
  port.on('message', (job: Job) => {
    port.postMessage({ id: job.id, result: validateBundleYaml(job.text) });
  });
}
