// The GitHub workflows pass actionlint and the pipeline rules of lib/workflows.mjs; broken
// copies fail both, so neither check is one that cannot fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './lib/hcl.mjs';
import { checkAll, checkTerraformTests } from './lib/workflows.mjs';

const workflows = path.join(repoRoot, '.github', 'workflows');
const infra = path.join(repoRoot, 'infra');
const actionlint = path.join(repoRoot, 'infra', 'tools', 'actionlint.mjs');
const files = () => fs.readdirSync(workflows).filter((f) => f.endsWith('.yml')).map((f) => path.join(workflows, f));

function lint(paths) {
  return spawnSync(process.execPath, [actionlint, ...paths], { encoding: 'utf8' });
}

function brokenCopy(file, find, replace) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflows-'));
  fs.cpSync(workflows, dir, { recursive: true });
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, 'utf8');
  assert.equal(text.split(find).length - 1, 1, `"${find}" must occur once in ${file}`);
  fs.writeFileSync(target, text.replace(find, replace));
  return dir;
}

test('workflows: actionlint finds nothing', () => {
  const run = lint(files());
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /actionlint: \d+ file\(s\), 0 finding\(s\)/);
});

const kLintBreaks = [
  { why: 'a misspelt step key', file: 'ci.yml', find: '    steps:\n      - name: Check out\n        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2\n        with:\n          persist-credentials: false\n\n      - name: Install Debian packages\n        run: scripts/install-deps.sh test\n\n      - name: Install the npm',
    replace: '    stepz:\n      - name: Check out\n        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2\n        with:\n          persist-credentials: false\n\n      - name: Install Debian packages\n        run: scripts/install-deps.sh test\n\n      - name: Install the npm' },
  { why: 'an undefined matrix key', file: 'ci.yml', find: 'CTEST_LABELS: ${{ matrix.labels }}', replace: 'CTEST_LABELS: ${{ matrix.label }}' },
  { why: 'a misspelt github context property', file: 'deploy.yml', find: "      github.ref == 'refs/heads/main' && (", replace: "      github.reff == 'refs/heads/main' && (" },
  { why: 'a broken expression', file: 'deploy.yml', find: 'IMAGE: ${{ needs.image.outputs.image }}\n        run: infra/scripts/ecs-deploy.sh --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --image "$IMAGE"\n\n      - name: Smoke test staging',
    replace: 'IMAGE: ${{ needs.image.outputs.image }\n        run: infra/scripts/ecs-deploy.sh --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --image "$IMAGE"\n\n      - name: Smoke test staging' },
  { why: 'a job that needs an unknown job', file: 'deploy.yml', find: 'needs: [image, staging]', replace: 'needs: [image, stagin]' },
];

for (const b of kLintBreaks) {
  test(`workflows: actionlint fails on ${b.why}`, () => {
    const dir = brokenCopy(b.file, b.find, b.replace);
    try {
      const run = lint([path.join(dir, b.file)]);
      assert.equal(run.status, 1, `actionlint passed a workflow with ${b.why}:\n${run.stdout}`);
      assert.match(run.stdout, new RegExp(`${b.file}:\\d+:\\d+: `));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('workflows: pinned actions, least privilege, OIDC only, required jobs', () => {
  assert.deepEqual(checkAll(workflows), []);
});

const kRuleBreaks = [
  { why: 'an action on a moving tag', file: 'lint.yml', find: 'hadolint/hadolint-action@54c9adbab1582c2ef04b2016b760714a4bfde3cf  # v3.1.0', replace: 'hadolint/hadolint-action@v3.1.0' },
  { why: 'a pinned action without its version comment', file: 'terraform.yml', find: 'terraform-linters/setup-tflint@90f302c255ef959cbfb4bd10581afecdb7ece3e6  # v4.1.1', replace: 'terraform-linters/setup-tflint@90f302c255ef959cbfb4bd10581afecdb7ece3e6' },
  { why: 'static AWS keys', file: 'deploy.yml', find: '          role-to-assume: ${{ vars.AWS_PUBLISH_ROLE_ARN }}\n', replace: '          aws-access-key-id: ${{ secrets.KEY }}\n' },
  { why: 'write permissions for the whole workflow', file: 'deploy.yml', find: 'permissions: {}\n', replace: 'permissions:\n  contents: write\n' },
  { why: 'no concurrency group', file: 'lint.yml', find: 'concurrency:\n  group: lint-${{ github.event.pull_request.number || github.ref }}\n  cancel-in-progress: true\n', replace: '' },
  { why: 'a step without a name', file: 'ci.yml', find: '      - name: Unit and HTTP tests under AddressSanitizer and UBSan\n        run: make test-sanitize', replace: '      - run: make test-sanitize' },
  { why: 'prod without its approval environment', file: 'deploy.yml', find: '    environment:\n      name: prod\n', replace: '    environment:\n      name: staging\n' },
  { why: 'prod not waiting for staging', file: 'deploy.yml', find: 'needs: [image, staging]', replace: 'needs: [image]' },
  { why: 'prod deploying a rebuilt image', file: 'deploy.yml', find: '      - name: Roll the service to the same image and wait until it is stable\n        env:\n          ECS_CLUSTER: ${{ vars.ECS_CLUSTER }}\n          ECS_SERVICE: ${{ vars.ECS_SERVICE }}\n          IMAGE: ${{ needs.image.outputs.image }}',
    replace: '      - name: Roll the service to the same image and wait until it is stable\n        env:\n          ECS_CLUSTER: ${{ vars.ECS_CLUSTER }}\n          ECS_SERVICE: ${{ vars.ECS_SERVICE }}\n          IMAGE: ${{ vars.ECR_REPOSITORY }}:latest' },
  { why: 'a cancellable deploy', file: 'deploy.yml', find: '  cancel-in-progress: false', replace: '  cancel-in-progress: true' },
  { why: 'a deploy on push, before ci passed', file: 'deploy.yml', find: '  workflow_run:\n    workflows: [ci]\n    types: [completed]\n    branches: [main]\n', replace: '  push:\n    branches: [main]\n' },
  { why: 'a deploy after a failed ci run', file: 'deploy.yml', find: "github.event.workflow_run.conclusion == 'success' &&", replace: "github.event.workflow_run.conclusion != 'cancelled' &&" },
  { why: 'a deploy after a ci run of a pull request', file: 'deploy.yml', find: "      github.event.workflow_run.event == 'push'))", replace: "      true))" },
  { why: 'a deploy of the newest main instead of the tested commit', file: 'deploy.yml', find: '          ref: ${{ github.event.workflow_run.head_sha || github.sha }}\n', replace: '' },
  { why: 'no sanitizer job', file: 'ci.yml', find: 'run: make test-sanitize', replace: 'run: make check' },
  { why: 'no container suite', file: 'ci.yml', find: 'python3 tests/container/stack_test.py all', replace: 'python3 tests/container/stack_test.py image' },
  { why: 'an image scan that never fails', file: 'ci.yml', find: '          ignore-unfixed: true\n          exit-code: "1"', replace: '          ignore-unfixed: true\n          exit-code: "0"' },
  { why: 'no configuration scan', file: 'terraform.yml', find: 'scan-type: config', replace: 'scan-type: fs' },
  { why: 'no terraform test step', file: 'terraform.yml', find: 'terraform -chdir="$dir" test -no-color', replace: 'terraform -chdir="$dir" validate -no-color' },
];

for (const b of kRuleBreaks) {
  test(`workflows: the pipeline rules catch ${b.why}`, () => {
    const dir = brokenCopy(b.file, b.find, b.replace);
    try {
      assert.notDeepEqual(checkAll(dir), [], `no rule caught ${b.why}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('workflows: terraform test runs in every module with a tests/ folder', () => {
  assert.deepEqual(checkTerraformTests(workflows, infra), []);
});

const kTestStepBreaks = [
  { why: 'a tested module left out of the loop', find: ' infra/modules/network; do', replace: '; do',
    want: /modules\/network has tests\/\*\.tftest\.hcl but the terraform test step does not run it/ },
  { why: 'a module without tests in the loop', find: ' infra/modules/network; do', replace: ' infra/modules/network infra/modules/ecr; do',
    want: /runs modules\/ecr, which has no tests/ },
  { why: 'no terraform test step', find: 'terraform -chdir="$dir" test -no-color', replace: 'terraform -chdir="$dir" plan -no-color',
    want: /the validate job has no terraform test step/ },
  { why: 'a test step with no validate step before it', find: '&& terraform -chdir="$dir" validate -no-color', replace: '&& terraform -chdir="$dir" providers -no-color',
    want: /must follow the validate step/ },
];

for (const b of kTestStepBreaks) {
  test(`workflows: the terraform test check catches ${b.why}`, () => {
    const dir = brokenCopy('terraform.yml', b.find, b.replace);
    try {
      const errors = checkTerraformTests(dir, infra);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0], b.want);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('workflows: the terraform test check catches a new tests/ folder the workflow skips', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-tests-'));
  try {
    fs.cpSync(infra, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
    fs.mkdirSync(path.join(dir, 'modules', 'ecr', 'tests'));
    fs.writeFileSync(path.join(dir, 'modules', 'ecr', 'tests', 'registry.tftest.hcl'),
      'mock_provider "aws" {}\n\nrun "plan_only" {\n  command = plan\n}\n');
    assert.deepEqual(checkTerraformTests(workflows, dir),
      ['terraform.yml: modules/ecr has tests/*.tftest.hcl but the terraform test step does not run it']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('workflows: yamllint finds nothing', (t) => {
  if (spawnSync('sh', ['-c', 'command -v yamllint'], { encoding: 'utf8' }).status !== 0) {
    t.skip('SKIP: yamllint is not installed (Debian package yamllint)');
    return;
  }
  const config = '{extends: default, rules: {truthy: {check-keys: false}, document-start: disable, line-length: {max: 120}}}';
  const run = spawnSync('yamllint', ['-d', config, workflows], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
