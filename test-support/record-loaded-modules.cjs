'use strict';
// A preload for tests (`node --require this-file ...`): when the process exits, it writes the path of
// every module file it loaded, one a line, to $LOADED_MODULES_FILE. Tests read that to prove that a
// command which only needs files (the CA, `mesh certs`) never loads a framework.
const { writeFileSync } = require('node:fs');
const { registerHooks } = require('node:module');
const { fileURLToPath } = require('node:url');

const out = process.env.LOADED_MODULES_FILE;
if (!out) throw new Error('record-loaded-modules: set LOADED_MODULES_FILE to the file the list goes to');

const loaded = new Set();
// require.cache holds CommonJS modules only; the load hook also sees ES modules (and every require).
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) loaded.add(fileURLToPath(url));
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  for (const file of Object.keys(require.cache)) loaded.add(file);
  writeFileSync(out, [...loaded].join('\n') + '\n');
});
