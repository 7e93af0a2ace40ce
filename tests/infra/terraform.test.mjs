// Every .tf file under infra/ parses as HCL2, `terraform fmt` finds nothing to change, and the
// module READMEs list the current inputs and outputs (and a stale table is caught).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listTfFiles, parseFile, repoRoot } from './lib/hcl.mjs';

const infra = path.join(repoRoot, 'infra');
const docsTool = path.join(infra, 'tools', 'terraform-docs.mjs');

function hasTerraform() {
  return spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).status === 0;
}

function copyInfra() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-copy-'));
  fs.cpSync(infra, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
  return dir;
}

test('terraform: every .tf file parses as HCL2', async () => {
  const files = listTfFiles(infra);
  assert.ok(files.length >= 40, `expected the modules and roots, found ${files.length} .tf files`);
  const errors = [];
  for (const f of files) {
    try {
      await parseFile(path.join(infra, f));
    } catch (e) {
      errors.push(`${f}: ${e}`);
    }
  }
  assert.deepEqual(errors, []);
});

test('terraform: a syntax error is reported with its file and position', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcl-broken-'));
  const file = path.join(dir, 'main.tf');
  fs.writeFileSync(file, 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n');
  try {
    await assert.rejects(parseFile(file), /main\.tf/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('terraform: fmt -check -recursive finds nothing to change', (t) => {
  if (!hasTerraform()) {
    t.skip('SKIP: terraform is not installed (checked with command -v); install it to check formatting');
    return;
  }
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
  const run = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', infra], { encoding: 'utf8', env });
  assert.equal(run.status, 0, `terraform fmt would change:\n${run.stdout}${run.stderr}`);
});

test('terraform: fmt -check fails on a badly formatted copy', (t) => {
  if (!hasTerraform()) {
    t.skip('SKIP: terraform is not installed (checked with command -v)');
    return;
  }
  const dir = copyInfra();
  try {
    const file = path.join(dir, 'modules', 'ecr', 'main.tf');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  force_delete         = var.force_delete', 'force_delete=var.force_delete'));
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
    const run = spawnSync('terraform', ['fmt', '-check', '-recursive', dir], { encoding: 'utf8', env });
    assert.notEqual(run.status, 0, 'terraform fmt -check passed a badly formatted file');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('terraform: README input/output tables are current', () => {
  const run = spawnSync(process.execPath, [docsTool, '--check', infra], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('terraform: a new variable without a README row is caught', () => {
  const dir = copyInfra();
  try {
    fs.appendFileSync(path.join(dir, 'modules', 'ecr', 'variables.tf'),
      '\nvariable "scan_frequency" {\n  description = "How often to scan."\n  type        = string\n  default     = "SCAN_ON_PUSH"\n}\n');
    const run = spawnSync(process.execPath, [docsTool, '--check', dir], { encoding: 'utf8' });
    assert.equal(run.status, 1, 'the docs check passed a stale README');
    assert.match(run.stderr, /modules\/ecr\/README\.md: input\/output tables are stale/);
    // Regenerating fixes it.
    assert.equal(spawnSync(process.execPath, [docsTool, dir], { encoding: 'utf8' }).status, 0);
    assert.match(fs.readFileSync(path.join(dir, 'modules', 'ecr', 'README.md'), 'utf8'), /\| scan_frequency \| How often to scan\. \|/);
    assert.equal(spawnSync(process.execPath, [docsTool, '--check', dir], { encoding: 'utf8' }).status, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
