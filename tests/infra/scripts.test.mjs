// The pipeline's scripts: ecs-deploy.sh and publish-image.sh decide correctly on every answer
// AWS can give (against a stand-in `aws` command, as there is no AWS here), and smoke-test.sh
// passes against the real service binary and fails against broken ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './lib/hcl.mjs';

const scripts = path.join(repoRoot, 'infra', 'scripts');
const fakeAws = path.join(repoRoot, 'tests', 'infra', 'fixtures', 'fake-aws.mjs');

const kAccount = '123456789012';
const kRegistry = `${kAccount}.dkr.ecr.eu-west-1.amazonaws.com`;
const kDigest = `sha256:${'ab'.repeat(32)}`;
const kImage = `${kRegistry}/hello-birthday@${kDigest}`;
const kOldArn = `arn:aws:ecs:eu-west-1:${kAccount}:task-definition/hello-birthday-staging:7`;

const kTaskDefinition = {
  taskDefinitionArn: kOldArn,
  family: 'hello-birthday-staging',
  revision: 7,
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: '2025-01-01T00:00:00Z',
  registeredBy: `arn:aws:sts::${kAccount}:assumed-role/terraform/session`,
  networkMode: 'awsvpc',
  cpu: '512',
  memory: '1024',
  containerDefinitions: [{
    name: 'app',
    image: `${kRegistry}/hello-birthday@sha256:${'00'.repeat(32)}`,
    environment: [{ name: 'HELLO_DRAIN_SECONDS', value: '10' }],
    stopTimeout: 30,
  }],
};

/** A folder with the stand-in `aws` first on PATH and the scenario it answers from. */
function fakeAwsEnv(scenario) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-aws-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nexec "${process.execPath}" "${fakeAws}" "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify({ account: kAccount, ...scenario }));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_AWS_DIR: dir, GITHUB_ACTIONS: '' };
  delete env.GITHUB_OUTPUT;
  return {
    dir,
    env,
    calls: () => (fs.existsSync(path.join(dir, 'calls.jsonl'))
      ? fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
      : []),
    state: () => JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')),
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

function deploy(fake, extra = []) {
  return spawnSync('bash', [path.join(scripts, 'ecs-deploy.sh'), '--cluster', 'hello-birthday-staging',
    '--service', 'hello-birthday-staging', '--image', kImage, '--poll', '0', ...extra],
  { encoding: 'utf8', env: fake.env, timeout: 60000 });
}

const deployScenario = (more) => ({
  service: { status: 'ACTIVE', taskDefinition: kOldArn },
  taskDefinition: kTaskDefinition,
  tags: [{ key: 'Project', value: 'hello-birthday' }, { key: 'Environment', value: 'staging' }],
  ...more,
});

// ---------------------------------------------------------------------------------------------
// ecs-deploy.sh
// ---------------------------------------------------------------------------------------------

test('ecs-deploy: a completed deployment registers the image in a new revision and succeeds', () => {
  const fake = fakeAwsEnv(deployScenario({ rollout: ['IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'] }));
  try {
    const run = deploy(fake);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /deployment ecs-svc\/new completed/);
    assert.match(run.stdout, /is stable on .*hello-birthday-staging:99/);

    const [registered] = fake.state().registered;
    assert.equal(registered.containerDefinitions[0].image, kImage);
    assert.deepEqual(registered.containerDefinitions[0].environment, [{ name: 'HELLO_DRAIN_SECONDS', value: '10' }]);
    assert.equal(registered.containerDefinitions[0].stopTimeout, 30);
    for (const field of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy']) {
      assert.ok(!(field in registered), `${field} must not be sent back to ECS`);
    }
    assert.deepEqual(registered.tags, [{ key: 'Project', value: 'hello-birthday' }, { key: 'Environment', value: 'staging' }]);

    const update = fake.calls().find((c) => c[1] === 'update-service');
    assert.equal(update[update.indexOf('--task-definition') + 1], kOldArn.replace(/:7$/, ':99'));
    assert.ok(fake.calls().some((c) => c[1] === 'wait' && c[2] === 'services-stable'));
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a deployment the circuit breaker rolls back fails loudly with the reason', () => {
  const fake = fakeAwsEnv(deployScenario({
    rollout: ['IN_PROGRESS', 'FAILED'],
    rolloutReason: 'ECS deployment circuit breaker: tasks failed to start.',
    event: '(service hello-birthday-staging) rolling back to deployment ecs-svc/old.',
  }));
  try {
    const run = deploy(fake, []);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /^error: deployment of .* failed and was rolled back by the circuit breaker: ECS deployment circuit breaker: tasks failed to start\./m);
    assert.match(run.stderr, /rolling back to deployment ecs-svc\/old/);
    assert.ok(!fake.calls().some((c) => c[1] === 'wait'), 'must not wait for stability after a failure');
  } finally {
    fake.done();
  }
});

test('ecs-deploy: in GitHub Actions a failure is also an error annotation', () => {
  const fake = fakeAwsEnv(deployScenario({ rollout: ['FAILED'], rolloutReason: 'tasks failed' }));
  try {
    const run = spawnSync('bash', [path.join(scripts, 'ecs-deploy.sh'), '--cluster', 'c', '--service', 's', '--image', kImage, '--poll', '0'],
      { encoding: 'utf8', env: { ...fake.env, GITHUB_ACTIONS: 'true' } });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^::error title=ECS deploy failed::deployment of .* rolled back by the circuit breaker: tasks failed$/m);
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a deployment that vanishes (rolled back or superseded) fails', () => {
  const fake = fakeAwsEnv(deployScenario({ rollout: ['IN_PROGRESS', 'GONE'] }));
  try {
    const run = deploy(fake);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: deployment ecs-svc\/new is no longer on service/);
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a deployment still in progress at the deadline fails', () => {
  const fake = fakeAwsEnv(deployScenario({ rollout: ['IN_PROGRESS'] }));
  try {
    const run = deploy(fake, ['--timeout', '0']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: deployment ecs-svc\/new did not complete within 0s \(1\/3 running, 0 failed\)/);
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a service that never turns stable fails even after COMPLETED', () => {
  const fake = fakeAwsEnv(deployScenario({ rollout: ['COMPLETED'], waitStableExit: 255 }));
  try {
    const run = deploy(fake);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: service hello-birthday-staging did not become stable/);
  } finally {
    fake.done();
  }
});

test('ecs-deploy: an image named by tag is refused before any AWS call', () => {
  const fake = fakeAwsEnv(deployScenario({}));
  try {
    const run = spawnSync('bash', [path.join(scripts, 'ecs-deploy.sh'), '--cluster', 'c', '--service', 's', '--image', `${kRegistry}/hello-birthday:latest`],
      { encoding: 'utf8', env: fake.env });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /error: --image must be <registry>\/<repository>@sha256:<64 hex digits>/);
    assert.deepEqual(fake.calls(), []);
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a task definition without the named container is refused', () => {
  const fake = fakeAwsEnv(deployScenario({}));
  try {
    const run = deploy(fake, ['--container', 'web']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: cannot render a task definition with container 'web'/);
    assert.ok(!fake.calls().some((c) => c[1] === 'register-task-definition'));
  } finally {
    fake.done();
  }
});

test('ecs-deploy: a missing service is refused', () => {
  const fake = fakeAwsEnv(deployScenario({ service: { status: 'MISSING', taskDefinition: kOldArn } }));
  try {
    const run = deploy(fake);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: service hello-birthday-staging in cluster hello-birthday-staging is MISSING, not ACTIVE/);
  } finally {
    fake.done();
  }
});

// ---------------------------------------------------------------------------------------------
// publish-image.sh (the paths that need no Docker daemon)
// ---------------------------------------------------------------------------------------------

function publish(fake, env) {
  const out = path.join(fake.dir, 'github_output');
  const run = spawnSync('bash', [path.join(scripts, 'publish-image.sh')], {
    encoding: 'utf8',
    env: { ...fake.env, ECR_REPOSITORY: 'hello-birthday', AWS_REGION: 'eu-west-1', GITHUB_OUTPUT: out, ...env },
  });
  return { ...run, output: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '' };
}

test('publish-image: a requested image in the repository is handed on without a build', () => {
  const fake = fakeAwsEnv({ images: [{ digest: kDigest, tags: ['0'.repeat(40)] }] });
  try {
    const run = publish(fake, { REQUESTED_IMAGE: kImage, PATH: fake.env.PATH });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.output, `image=${kImage}\n`);
    assert.ok(!fake.calls().some((c) => c[1] === 'describe-image-scan-findings'));
  } finally {
    fake.done();
  }
});

test('publish-image: a requested image that is not in the repository is refused', () => {
  const fake = fakeAwsEnv({ images: [] });
  try {
    const run = publish(fake, { REQUESTED_IMAGE: kImage });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: image sha256:(ab)+ is not in repository hello-birthday/);
    assert.equal(run.output, '');
  } finally {
    fake.done();
  }
});

test('publish-image: a requested image from another repository is refused', () => {
  const fake = fakeAwsEnv({ images: [{ digest: kDigest, tags: [] }] });
  try {
    const run = publish(fake, { REQUESTED_IMAGE: `${kRegistry}/other@${kDigest}` });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: REQUESTED_IMAGE must be 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/hello-birthday@sha256:<digest>/);
  } finally {
    fake.done();
  }
});

test('publish-image: a commit pushed before is reused, and its scan findings are checked', () => {
  const sha = 'c'.repeat(40);
  const clean = fakeAwsEnv({ images: [{ digest: kDigest, tags: [sha] }], findings: { HIGH: 2 } });
  try {
    const run = publish(clean, { GIT_SHA: sha });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /already pushed as sha256:(ab)+; not building again/);
    assert.equal(run.output, `image=${kImage}\n`);
  } finally {
    clean.done();
  }
  const critical = fakeAwsEnv({ images: [{ digest: kDigest, tags: [sha] }], findings: { CRITICAL: 1 } });
  try {
    const run = publish(critical, { GIT_SHA: sha });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: image sha256:(ab)+ has 1 CRITICAL vulnerabilities; not deploying it/);
    assert.equal(run.output, '');
  } finally {
    critical.done();
  }
});

test('publish-image: a short commit SHA is refused', () => {
  const fake = fakeAwsEnv({});
  try {
    const run = publish(fake, { GIT_SHA: 'abc123' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: GIT_SHA must be a full 40-character commit SHA/);
    assert.deepEqual(fake.calls(), []);
  } finally {
    fake.done();
  }
});

// ---------------------------------------------------------------------------------------------
// smoke-test.sh
// ---------------------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function smoke(url, extra = []) {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(scripts, 'smoke-test.sh'), url, ...extra], { env: { ...process.env, GITHUB_ACTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The service binary: HELLO_BINARY (set by ctest), else the release build. */
function serviceBinary() {
  return process.env.HELLO_BINARY || path.join(repoRoot, 'build', 'release', 'hello-birthday');
}

test('smoke-test: passes against the real service', async (t) => {
  const binary = serviceBinary();
  if (!fs.existsSync(binary)) {
    t.skip(`SKIP: ${binary} is not built (make build); ctest passes HELLO_BINARY`);
    return;
  }
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-'));
  const server = spawn(binary, [], {
    env: {
      ...process.env,
      HELLO_LISTEN: `127.0.0.1:${port}`,
      HELLO_DATABASE_URL: `sqlite:${path.join(data, 'hello.db')}`,
      HELLO_LOG_LEVEL: 'warn',
      HELLO_DRAIN_SECONDS: '0',
    },
    stdio: 'ignore',
  });
  try {
    const run = await smoke(`http://127.0.0.1:${port}`, ['--attempts', '50', '--interval', '0']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /PUT \/hello\/Smoke[a-z]{10} -> 204/);
    assert.match(run.stdout, /GET \/hello\/Smoke[a-z]{10} -> 404/);
    assert.match(run.stdout, /all checks passed/);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => { server.kill('SIGKILL'); resolve(); }, 10000);
      server.on('exit', () => { clearTimeout(timer); resolve(); });
    });
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test('smoke-test: fails when nothing answers', async () => {
  const port = await freePort();
  const run = await smoke(`http://127.0.0.1:${port}`, ['--attempts', '2', '--interval', '0']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /error: http:\/\/127\.0\.0\.1:\d+\/readyz did not answer 200 after 2 attempts/);
});

test('smoke-test: fails when a write is not acknowledged', async () => {
  // Ready and alive, but every write fails: the deploy must not be called good.
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz' || req.url === '/healthz') res.writeHead(200).end('{"status":"ok"}');
    else res.writeHead(503, { 'Content-Type': 'application/problem+json' }).end('{"status":503}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const run = await smoke(`http://127.0.0.1:${server.address().port}`, ['--attempts', '1', '--interval', '0']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error: PUT \/hello\/Smoke[a-z]{10} answered 503, want 204/);
  } finally {
    server.close();
  }
});

test('smoke-test: a malformed URL is a usage error', async () => {
  const run = await smoke('staging.example.com');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /error: BASE_URL must be http\(s\):\/\/host\[:port\]/);
});
