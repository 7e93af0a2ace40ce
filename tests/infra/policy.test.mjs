// The policy rules of lib/rules.mjs hold for the Terraform in infra/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadInfra, repoRoot } from './lib/hcl.mjs';
import { rules } from './lib/rules.mjs';

const config = await loadInfra(path.join(repoRoot, 'infra'));

for (const rule of rules) {
  test(`policy: ${rule.title}`, () => {
    assert.deepEqual(rule.check(config), [], `rule ${rule.id} is violated`);
  });
}
