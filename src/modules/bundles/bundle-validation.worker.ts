/**
 * Worker thread entry: validates bundle YAML off the main event loop (see bundle-validator.ts).
 * Messages in: `{ id, text, op }` (`op` 'prepare' runs the whole upload step, bundle-upload.ts;
 * 'document' also returns the parsed document, library/bundle-document.ts);
 * out: `{ id, result }`. Neither step throws.
 */
import { parentPort } from 'node:worker_threads';
import { validateBundleYaml } from './bundle-validation.js';
import { prepareUpload } from './bundle-upload.js';
import { bundleDocument } from '../library/bundle-document.js';
import { lowerThisThreadPriority } from '../../platform/thread-priority.js';

// Hostile documents are parsed here: the API's main thread goes first (issue 10).
lowerThisThreadPriority();

interface Job {
  id: number;
  text: string;
  op?: 'validate' | 'prepare' | 'document' | 'document-lenient';
}

function run(job: Job) {
  if (job.op === 'prepare') return prepareUpload(job.text);
  if (job.op === 'document' || job.op === 'document-lenient') return bundleDocument(job.text, { lenient: job.op === 'document-lenient' });
  return validateBundleYaml(job.text);
}

const port = parentPort;
if (port) {
  port.on('message', (job: Job) => {
    port.postMessage({ id: job.id, result: run(job) });
  });
}
