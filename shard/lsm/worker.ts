/**
 * The background worker thread: runs flush and compaction jobs off the event loop
 * (issue 4: "leveled compaction off the event loop"). Jobs arrive as {id, job}; the reply
 * is {id, result} or {id, error}. Jobs run one at a time; the engine keeps one worker for
 * flushes and one for compactions so a long compaction never delays a flush.
 */
import { parentPort } from 'node:worker_threads';
import { type Job, runCompaction, runFlush, toJobError } from './compaction';

interface Request {
  readonly id: number;
  readonly job: Job;
}

const port = parentPort;
if (port !== null) {
  port.on('message', (req: Request) => {
    try {
      const result = req.job.kind === 'flush' ? runFlush(req.job) : runCompaction(req.job);
      port.postMessage({ id: req.id, result });
    } catch (e) {
      port.postMessage({ id: req.id, error: toJobError(e) });
    }
  });
}
