// What a test file started and did not stop (a failed assertion skips its test's own clean-up) is
// stopped after the file's last test: a child process or a listening server left open would keep
// the file's process alive until the runner's timeout, and hide which assertion failed.
//
// Import it at a test file's top level (directly or through a module the file imports statically):
// imported first from inside a test or a hook, its hook would belong to that test or hook and stop
// everything when it ends.
import { after } from 'node:test';

const open = new Set();

after(() => {
  for (const stop of open) stop();
  open.clear();
});

// Registers `stop` (synchronous, safe to call twice) until `finished` settles.
export function stopAfterTheFile(stop, finished) {
  open.add(stop);
  finished.finally(() => open.delete(stop));
}
