// Every .tf file under infra/ parses as HCL2, the modules' `terraform test` files parse and only
// plan against a mocked provider, `terraform fmt` (which covers both) finds nothing to change,
// and the module READMEs list the current inputs and outputs (and a stale table is caught).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listTfFiles, parseFile, repoRoot } from './lib/hcl.mjs';
import { checkTestFiles } from './lib/tftest.mjs';

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

test('terraform: every .tftest.hcl parses, mocks the AWS provider and only plans', async () => {
  const { files, errors } = await checkTestFiles(infra);
  assert.deepEqual(errors, []);
  assert.ok(files.length >= 3, `expected test files for alb, dynamodb and ecs-service, found ${files.join(', ')}`);
});

// A minimal valid test file; each case below breaks one thing in it.
const kGoodTest = 'mock_provider "aws" {}\n\nrun "plan_only" {\n  command = plan\n}\n';
const kTestBreaks = [
  { why: 'an unclosed block', text: kGoodTest.replace(/\}\n$/, ''), want: /broken\.tftest\.hcl: .*Unclosed configuration block/ },
  { why: 'a run that applies', text: kGoodTest.replace('  command = plan\n', ''), want: /run "plan_only" is not plan-only/ },
  { why: 'an unmocked provider', text: kGoodTest.replace('mock_provider "aws" {}\n', ''), want: /no mock_provider "aws"/ },
  { why: 'a real provider beside the mock', text: `provider "aws" {}\n\n${kGoodTest}`, want: /configures a real aws provider/ },
  { why: 'a test file outside tests/', file: 'modules/ecr/broken.tftest.hcl', text: kGoodTest, want: /belong in modules\/<module>\/tests\// },
];

for (const b of kTestBreaks) {
  test(`terraform: the test file check catches ${b.why}`, async () => {
    const dir = copyInfra();
    try {
      const file = path.join(dir, b.file ?? 'modules/ecr/tests/broken.tftest.hcl');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, b.text);
      const { errors } = await checkTestFiles(dir);
      assert.equal(errors.length, 1, `want exactly one violation, got:\n${errors.join('\n')}`);
      assert.match(errors[0], b.want);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('terraform: the test file check wants a validation case and the key modules covered', async () => {
  const dir = copyInfra();
  try {
    // Without the dynamodb tests, and with every expect_failures run turned into a plain plan.
    fs.rmSync(path.join(dir, 'modules', 'dynamodb', 'tests'), { recursive: true });
    for (const rel of fs.readdirSync(path.join(dir, 'modules'))) {
      const tests = path.join(dir, 'modules', rel, 'tests');
      if (!fs.existsSync(tests)) continue;
      for (const f of fs.readdirSync(tests)) {
        const file = path.join(tests, f);
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^ {2}expect_failures = .*\n/gm, ''));
      }
    }
    const { errors } = await checkTestFiles(dir);
    assert.deepEqual(errors, [
      'no run checks that a variable validation rejects a bad value (expect_failures)',
      'modules/dynamodb: has no tests/*.tftest.hcl',
    ]);
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

test('terraform: fmt -check also covers the .tftest.hcl files', (t) => {
  if (!hasTerraform()) {
    t.skip('SKIP: terraform is not installed (checked with command -v)');
    return;
  }
  const dir = copyInfra();
  try {
    const rel = path.join('modules', 'dynamodb', 'tests', 'table.tftest.hcl');
    const file = path.join(dir, rel);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^ {2}command = plan$/m);
    fs.writeFileSync(file, text.replace(/^ {2}command = plan$/m, 'command=plan'));
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
    const run = spawnSync('terraform', ['fmt', '-check', '-recursive', dir], { encoding: 'utf8', env });
    assert.notEqual(run.status, 0, 'terraform fmt -check passed a badly formatted test file');
    assert.ok(run.stdout.includes(rel), `fmt -check did not name ${rel}:\n${run.stdout}${run.stderr}`);
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
