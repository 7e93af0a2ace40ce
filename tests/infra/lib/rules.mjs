// Policy rules over the parsed Terraform of infra/. Each rule returns a list of violations
// ("<folder>/<file>: what is wrong"); an empty list means the rule holds. The mutation test
// proves each rule can fail.
import fs from 'node:fs';
import path from 'node:path';
import {
  argumentOf, block, blocks, callNameFor, evaluate, exprOf, instanceScope, kUnknown,
  moduleInstances, rootScope,
} from './hcl.mjs';

export const kModules = {
  network: 'modules/network',
  alb: 'modules/alb',
  service: 'modules/ecs-service',
  data: 'modules/dynamodb',
  monitoring: 'modules/monitoring',
  registry: 'modules/ecr',
  ciAccess: 'modules/github-oidc',
};
export const kEnvironments = ['environments/staging', 'environments/prod'];

/**
 * IAM actions AWS defines with no resource type: a policy can grant them only on "*". Each is
 * an explicit, reviewed exception, allowed only in a statement holding nothing else.
 */
export const kResourcelessActions = {
  // Returns a registry login token; which repositories it opens is decided by the pull and push
  // actions, which the roles hold on one repository ARN only.
  'ecr:GetAuthorizationToken': 'registry login token; repository access is scoped separately',
  // Task definition revisions are not addressable before they exist; what a revision may do is
  // bounded by iam:PassRole, which the deploy role holds on the service's two roles only.
  'ecs:RegisterTaskDefinition': 'no resource type; bounded by a scoped iam:PassRole',
  'ecs:DescribeTaskDefinition': 'read-only, no resource type',
};

/** TLS 1.2+ listener policies of Elastic Load Balancing. */
export const kTls12Policies = new Set([
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
  'ELBSecurityPolicy-TLS-1-2-2017-01',
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06',
  'ELBSecurityPolicy-FS-1-2-Res-2020-10',
]);

/** Resource types the AWS API cannot tag (sub-resources and associations). */
export const kUntaggable = new Set([
  'aws_acm_certificate_validation',
  'aws_appautoscaling_policy',
  'aws_cloudwatch_dashboard',
  'aws_ecr_lifecycle_policy',
  'aws_iam_role_policy',
  'aws_kms_alias',
  'aws_kms_key_policy',
  'aws_route',
  'aws_route53_record',
  'aws_route_table_association',
  'aws_s3_bucket_lifecycle_configuration',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_policy',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_versioning',
  'aws_sns_topic_policy',
  'aws_sns_topic_subscription',
  'aws_wafv2_web_acl_association',
]);

const kLogRetentionDays = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
]);
const kRequiredTags = ['Project', 'Environment', 'Owner', 'ManagedBy'];
const kTaskTableActions = [
  'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem',
];

const where = (dir, file) => `${dir.rel}/${file}`;
const show = (v) => (v === kUnknown ? '<not statically known>' : JSON.stringify(v));

function mustDir(config, rel, out) {
  const dir = config.dirs.get(rel);
  if (!dir) out.push(`${rel}: folder missing`);
  return dir;
}

/** Each module instance (one per environment root calling it) with a readable label. */
function instancesOf(config, moduleRel, out) {
  const list = moduleInstances(config, moduleRel).filter((i) => kEnvironments.includes(i.caller.rel));
  for (const env of kEnvironments) {
    if (!list.some((i) => i.caller.rel === env)) out.push(`${env}: does not call ${moduleRel}`);
  }
  return list.map((i) => ({ ...i, scope: instanceScope(i), label: `${i.caller.rel} -> ${moduleRel}` }));
}

// ---------------------------------------------------------------------------------------------
// Rolling deployment
// ---------------------------------------------------------------------------------------------

function checkDeployment(config) {
  const out = [];
  const dir = mustDir(config, kModules.service, out);
  if (!dir) return out;
  const services = dir.resources('aws_ecs_service');
  if (services.length === 0) out.push(`${dir.rel}: no aws_ecs_service`);
  for (const inst of instancesOf(config, kModules.service, out)) {
    for (const svc of services) {
      const at = `${inst.label} aws_ecs_service.${svc.name}`;
      const ev = (v) => evaluate(v, inst.scope);
      const minHealthy = ev(svc.body.deployment_minimum_healthy_percent);
      const maxPercent = ev(svc.body.deployment_maximum_percent);
      if (minHealthy !== 100) out.push(`${at}: deployment_minimum_healthy_percent is ${show(minHealthy)}, want 100`);
      if (maxPercent !== 200) out.push(`${at}: deployment_maximum_percent is ${show(maxPercent)}, want 200`);
      const breaker = block(svc.body, 'deployment_circuit_breaker');
      if (!breaker || ev(breaker.enable) !== true || ev(breaker.rollback) !== true) {
        out.push(`${at}: deployment_circuit_breaker must have enable = true and rollback = true`);
      }
      const grace = ev(svc.body.health_check_grace_period_seconds);
      if (typeof grace !== 'number' || grace <= 0) out.push(`${at}: health_check_grace_period_seconds is ${show(grace)}, want > 0`);
      const controller = block(svc.body, 'deployment_controller');
      if (controller && ev(controller.type) !== 'ECS') out.push(`${at}: deployment_controller must be ECS (rolling)`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tasks only in private subnets, without public IPs
// ---------------------------------------------------------------------------------------------

function checkPrivateTasks(config) {
  const out = [];
  const svcDir = mustDir(config, kModules.service, out);
  const netDir = mustDir(config, kModules.network, out);
  if (!svcDir || !netDir) return out;

  for (const svc of svcDir.resources('aws_ecs_service')) {
    const net = block(svc.body, 'network_configuration');
    if (!net) {
      out.push(`${where(svcDir, svc.file)}: aws_ecs_service.${svc.name} has no network_configuration`);
      continue;
    }
    if (net.assign_public_ip !== false) out.push(`${where(svcDir, svc.file)}: assign_public_ip must be the literal false`);
    if (exprOf(net.subnets) !== 'var.private_subnet_ids') {
      out.push(`${where(svcDir, svc.file)}: subnets must be var.private_subnet_ids, is ${JSON.stringify(net.subnets)}`);
    }
  }

  // The environments must pass the network module's private subnets.
  for (const inst of instancesOf(config, kModules.service, out)) {
    const network = callNameFor(inst.caller, kModules.network);
    const arg = exprOf(argumentOf(inst, 'private_subnet_ids'));
    if (arg !== `module.${network}.private_subnet_ids`) {
      out.push(`${inst.label}: private_subnet_ids must be module.${network}.private_subnet_ids, is ${arg}`);
    }
  }

  // The network module's private subnets: no public IPs, no route to the internet gateway.
  const output = netDir.output('private_subnet_ids');
  if (!output || !/^aws_subnet\.private\[\*\]\.id$/.test(exprOf(output.body.value) ?? '')) {
    out.push(`${netDir.rel}: output private_subnet_ids must be aws_subnet.private[*].id`);
  }
  const priv = netDir.resource('aws_subnet', 'private');
  if (!priv || priv.body.map_public_ip_on_launch !== false) {
    out.push(`${netDir.rel}: aws_subnet.private must set map_public_ip_on_launch = false`);
  }
  for (const route of netDir.resources('aws_route')) {
    const viaIgw = /aws_internet_gateway\./.test(String(route.body.gateway_id ?? ''));
    const table = String(route.body.route_table_id ?? '');
    if (viaIgw && !/aws_route_table\.public\./.test(table)) {
      out.push(`${where(netDir, route.file)}: aws_route.${route.name} sends a non-public route table to the internet gateway`);
    }
  }
  for (const assoc of netDir.resources('aws_route_table_association')) {
    const subnet = String(assoc.body.subnet_id ?? '');
    const table = String(assoc.body.route_table_id ?? '');
    if (/aws_subnet\.private/.test(subnet) && !/aws_route_table\.private/.test(table)) {
      out.push(`${where(netDir, assoc.file)}: private subnets must use the private route tables`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Task security group: only the load balancer's group, only on the service port
// ---------------------------------------------------------------------------------------------

function checkTaskSecurityGroup(config) {
  const out = [];
  const dir = mustDir(config, kModules.service, out);
  const albDir = mustDir(config, kModules.alb, out);
  if (!dir || !albDir) return out;

  const svc = dir.resources('aws_ecs_service')[0];
  const groups = block(svc?.body, 'network_configuration')?.security_groups ?? [];
  const names = (Array.isArray(groups) ? groups : [groups])
    .map((g) => /^aws_security_group\.([a-z0-9_]+)\.id$/.exec(exprOf(g) ?? '')?.[1]);
  if (names.length !== 1 || !names[0]) {
    out.push(`${dir.rel}: the service must use exactly one security group of this module, is ${JSON.stringify(groups)}`);
    return out;
  }
  const sgName = names[0];
  const sg = dir.resource('aws_security_group', sgName);
  if (blocks(sg?.body, 'ingress').length > 0) out.push(`${dir.rel}: aws_security_group.${sgName} has inline ingress rules`);

  const refersToSg = (v) => exprOf(v) === `aws_security_group.${sgName}.id`;
  const ingress = dir.resources('aws_vpc_security_group_ingress_rule').filter((r) => refersToSg(r.body.security_group_id));
  const legacy = dir.resources('aws_security_group_rule').filter((r) => refersToSg(r.body.security_group_id) && r.body.type === 'ingress');
  for (const r of legacy) out.push(`${where(dir, r.file)}: aws_security_group_rule.${r.name} adds ingress to the task group`);
  for (const inst of moduleInstances(config, kModules.service)) {
    const rules = inst.caller.resources('aws_vpc_security_group_ingress_rule')
      .concat(inst.caller.resources('aws_security_group_rule'));
    for (const r of rules) {
      if (String(r.body.security_group_id).includes(`module.${inst.call.name}.`)) {
        out.push(`${where(inst.caller, r.file)}: ${r.type}.${r.name} adds ingress to the task group from outside the module`);
      }
    }
  }
  if (ingress.length !== 1) out.push(`${dir.rel}: the task group must have exactly one ingress rule, has ${ingress.length}`);
  for (const r of ingress) {
    const at = `${where(dir, r.file)}: aws_vpc_security_group_ingress_rule.${r.name}`;
    if (exprOf(r.body.referenced_security_group_id) !== 'var.load_balancer_security_group_id') {
      out.push(`${at}: source must be var.load_balancer_security_group_id`);
    }
    for (const key of ['cidr_ipv4', 'cidr_ipv6', 'prefix_list_id']) {
      if (key in r.body) out.push(`${at}: must not open to ${key}`);
    }
    if (exprOf(r.body.from_port) !== 'var.container_port' || exprOf(r.body.to_port) !== 'var.container_port') {
      out.push(`${at}: from_port and to_port must both be var.container_port`);
    }
    if (r.body.ip_protocol !== 'tcp') out.push(`${at}: ip_protocol must be tcp`);
  }

  // Each environment wires the load balancer module's group, and both sides use one port.
  for (const inst of instancesOf(config, kModules.service, out)) {
    const alb = callNameFor(inst.caller, kModules.alb);
    const arg = exprOf(argumentOf(inst, 'load_balancer_security_group_id'));
    if (arg !== `module.${alb}.security_group_id`) {
      out.push(`${inst.label}: load_balancer_security_group_id must be module.${alb}.security_group_id, is ${arg}`);
    }
    const albInst = moduleInstances(config, kModules.alb).find((i) => i.caller === inst.caller);
    if (albInst) {
      const servicePort = evaluate('${var.container_port}', inst.scope);
      const lbPort = evaluate('${var.container_port}', instanceScope(albInst));
      if (servicePort === kUnknown || servicePort !== lbPort) {
        out.push(`${inst.label}: container_port ${show(servicePort)} differs from the load balancer's ${show(lbPort)}`);
      }
    }
  }
  const lb = albDir.resources('aws_lb')[0];
  const lbGroups = (lb?.body.security_groups ?? []).map(exprOf);
  const outSg = albDir.output('security_group_id');
  const outRef = /^aws_security_group\.([a-z0-9_]+)\.id$/.exec(exprOf(outSg?.body.value) ?? '')?.[1];
  if (!outRef || !lbGroups.includes(`aws_security_group.${outRef}.id`)) {
    out.push(`${albDir.rel}: output security_group_id must be the group attached to the load balancer`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTPS with a TLS 1.2+ policy; HTTP only redirects
// ---------------------------------------------------------------------------------------------

function checkTls(config) {
  const out = [];
  const dir = mustDir(config, kModules.alb, out);
  if (!dir) return out;
  const listeners = dir.resources('aws_lb_listener');
  const https = listeners.filter((l) => l.body.port === 443);
  const http = listeners.filter((l) => l.body.port === 80);
  if (https.length !== 1) out.push(`${dir.rel}: want one listener on 443, have ${https.length}`);
  if (http.length !== 1) out.push(`${dir.rel}: want one listener on 80, have ${http.length}`);
  for (const l of listeners) {
    if (l.body.port !== 443 && l.body.port !== 80) out.push(`${where(dir, l.file)}: unexpected listener port ${l.body.port}`);
  }
  for (const l of https) {
    if (l.body.protocol !== 'HTTPS') out.push(`${where(dir, l.file)}: listener on 443 must use HTTPS`);
    if (!l.body.certificate_arn) out.push(`${where(dir, l.file)}: listener on 443 has no certificate`);
    for (const inst of instancesOf(config, kModules.alb, out)) {
      const policy = evaluate(l.body.ssl_policy, inst.scope);
      if (!kTls12Policies.has(policy)) out.push(`${inst.label}: ssl_policy ${show(policy)} is not a TLS 1.2+ policy`);
    }
  }
  for (const l of http) {
    const action = block(l.body, 'default_action');
    const redirect = block(action, 'redirect');
    if (action?.type !== 'redirect' || redirect?.protocol !== 'HTTPS' || String(redirect?.port) !== '443' ||
        !/^HTTP_30[18]$/.test(redirect?.status_code ?? '') || 'target_group_arn' in (action ?? {})) {
      out.push(`${where(dir, l.file)}: listener on 80 must only redirect to HTTPS on 443 (permanent)`);
    }
  }
  for (const r of dir.resources('aws_lb_listener_rule')) {
    out.push(`${where(dir, r.file)}: listener rules would bypass the checked default actions`);
  }
  for (const lb of dir.resources('aws_lb')) {
    if (lb.body.drop_invalid_header_fields !== true) out.push(`${where(dir, lb.file)}: drop_invalid_header_fields must be true`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drain: deregistration delay == HELLO_DRAIN_SECONDS < stopTimeout; drain + shutdown < stop
// ---------------------------------------------------------------------------------------------

function containerOf(dir) {
  const c = dir.locals.container;
  return c && typeof c === 'object' ? c : null;
}

function envValue(container, name) {
  const entry = (container.environment ?? []).find((e) => e.name === name);
  return entry ? entry.value : undefined;
}

function checkDrain(config) {
  const out = [];
  const svcDir = mustDir(config, kModules.service, out);
  const albDir = mustDir(config, kModules.alb, out);
  if (!svcDir || !albDir) return out;
  const container = containerOf(svcDir);
  if (!container) return [...out, `${svcDir.rel}: locals.container (the container definition) is missing`];
  const taskDef = svcDir.resources('aws_ecs_task_definition')[0];
  if (!/local\.container\b/.test(String(taskDef?.body.container_definitions))) {
    out.push(`${svcDir.rel}: the task definition must be built from local.container`);
  }
  const tg = albDir.resources('aws_lb_target_group')[0];
  if (!tg) return [...out, `${albDir.rel}: no aws_lb_target_group`];

  for (const svcInst of instancesOf(config, kModules.service, out)) {
    const albInst = moduleInstances(config, kModules.alb).find((i) => i.caller === svcInst.caller);
    if (!albInst) continue;
    const albScope = instanceScope(albInst);
    const delay = evaluate(tg.body.deregistration_delay, albScope);
    const drain = Number(evaluate(envValue(container, 'HELLO_DRAIN_SECONDS'), svcInst.scope));
    const shutdown = Number(evaluate(envValue(container, 'HELLO_SHUTDOWN_TIMEOUT_SECONDS'), svcInst.scope));
    const stop = evaluate(container.stopTimeout, svcInst.scope);
    const at = svcInst.caller.rel;
    if (typeof delay !== 'number') out.push(`${at}: deregistration delay ${show(delay)} is not statically known`);
    if (!Number.isFinite(drain)) out.push(`${at}: HELLO_DRAIN_SECONDS is not set or not statically known`);
    if (!Number.isFinite(shutdown)) out.push(`${at}: HELLO_SHUTDOWN_TIMEOUT_SECONDS is not set or not statically known`);
    if (typeof stop !== 'number') out.push(`${at}: stopTimeout ${show(stop)} is not statically known`);
    if (typeof delay === 'number' && delay !== drain) out.push(`${at}: deregistration delay ${delay}s differs from HELLO_DRAIN_SECONDS ${drain}s`);
    if (typeof delay === 'number' && typeof stop === 'number' && !(delay < stop)) out.push(`${at}: deregistration delay ${delay}s is not below stopTimeout ${stop}s`);
    if (typeof stop === 'number' && !(stop > drain + shutdown)) out.push(`${at}: stopTimeout ${stop}s is not above drain ${drain}s + shutdown ${shutdown}s`);
    if (typeof stop === 'number' && stop > 120) out.push(`${at}: stopTimeout ${stop}s exceeds the Fargate maximum of 120s`);
    const path = evaluate(block(tg.body, 'health_check')?.path, albScope);
    if (path !== '/readyz') out.push(`${at}: target group health check path is ${show(path)}, want /readyz`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Container hardening and wiring
// ---------------------------------------------------------------------------------------------

function checkContainer(config) {
  const out = [];
  const dir = mustDir(config, kModules.service, out);
  if (!dir) return out;
  const c = containerOf(dir);
  if (!c) return [...out, `${dir.rel}: locals.container is missing`];
  const want = ['CMD', '/usr/local/bin/hello-birthday', 'healthcheck'];
  if (JSON.stringify(c.healthCheck?.command) !== JSON.stringify(want)) out.push(`${dir.rel}: container health check must be ${JSON.stringify(want)}`);
  if (c.readonlyRootFilesystem !== true) out.push(`${dir.rel}: readonlyRootFilesystem must be true`);
  if (c.user !== '10001') out.push(`${dir.rel}: user must be "10001" (the image's non-root UID), is ${JSON.stringify(c.user)}`);
  if (c.privileged === true) out.push(`${dir.rel}: privileged must not be set`);
  const drop = c.linuxParameters?.capabilities?.drop ?? [];
  const add = c.linuxParameters?.capabilities?.add ?? [];
  if (!drop.includes('ALL') || add.length > 0) out.push(`${dir.rel}: capabilities must drop ALL and add none (no privilege escalation)`);
  if (envValue(c, 'HELLO_DATABASE_URL') !== 'dynamodb://${var.table_name}?region=${local.region}') {
    out.push(`${dir.rel}: HELLO_DATABASE_URL must be dynamodb://<table>?region=<region>`);
  }
  if (envValue(c, 'HELLO_LISTEN') !== '0.0.0.0:${var.container_port}') out.push(`${dir.rel}: HELLO_LISTEN must be 0.0.0.0:<container_port>`);
  if (c.logConfiguration?.logDriver !== 'awslogs') out.push(`${dir.rel}: logs must go to CloudWatch (awslogs)`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// IAM: no wildcard actions, no wildcard resources, documents only
// ---------------------------------------------------------------------------------------------

/** Every statement of every aws_iam_policy_document, including dynamic ones. */
export function policyStatements(config) {
  const out = [];
  for (const dir of config.dirs.values()) {
    for (const doc of dir.blocks.data.filter((d) => d.type === 'aws_iam_policy_document')) {
      const label = `${where(dir, doc.file)}: data.aws_iam_policy_document.${doc.name}`;
      for (const st of blocks(doc.body, 'statement')) out.push({ dir, doc, label, st });
      const dyn = doc.body.dynamic;
      for (const d of Array.isArray(dyn) ? dyn : dyn ? [dyn] : []) {
        for (const st of blocks(d, 'statement')) {
          for (const content of blocks(st, 'content')) out.push({ dir, doc, label, st: content });
        }
      }
      for (const key of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
        if (key in doc.body) out.push({ dir, doc, label, st: { __merged: key } });
      }
    }
  }
  return out;
}

const isTransportGuard = (st) => st.effect === 'Deny' && blocks(st, 'condition').some(
  (c) => c.test === 'Bool' && c.variable === 'aws:SecureTransport' && JSON.stringify(c.values) === '["false"]');

/** A "*" inside an ARN is allowed only as the last character, after a named parent. */
function scopedWildcard(resource) {
  if (!resource.endsWith('*') || resource.indexOf('*') !== resource.length - 1) return false;
  const before = resource.slice(0, -1);
  if (!/[/:]$/.test(before)) return false;
  if (before.startsWith('${')) return /^\$\{[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+\}/.test(before);
  const parts = before.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const resourcePart = parts.slice(5).join(':');
  return /\$\{[^}]+\}/.test(resourcePart) || /^[a-z-]+\/[A-Za-z0-9._-]+\//.test(resourcePart);
}

function checkIam(config) {
  const out = [];
  for (const { dir, label, st } of policyStatements(config)) {
    if (st.__merged) {
      out.push(`${label}: ${st.__merged} merges unparsed policy JSON`);
      continue;
    }
    const id = `${label} statement ${st.sid ?? '(no sid)'}`;
    if ('not_actions' in st || 'not_resources' in st || 'not_principals' in st) {
      out.push(`${id}: not_actions / not_resources / not_principals grant by exclusion`);
    }
    const actions = Array.isArray(st.actions) ? st.actions : [];
    if (!Array.isArray(st.actions)) out.push(`${id}: actions must be a literal list`);
    const guard = isTransportGuard(st);
    for (const action of actions) {
      if (typeof action !== 'string' || action.includes('$')) out.push(`${id}: action ${JSON.stringify(action)} is not a literal`);
      else if (action.includes('*') && !guard) out.push(`${id}: wildcard action ${action}`);
    }
    if (guard && st.effect === 'Deny') continue; // deny-all over plain HTTP; nothing is granted

    const resources = st.resources;
    if (resources === undefined) {
      if (!blocks(st, 'principals').length) out.push(`${id}: an identity policy statement without resources means "*"`);
      continue;
    }
    if (!Array.isArray(resources)) {
      // Only a validated variable holding ARNs (var.x or values(var.x)) is acceptable.
      const m = /^(?:values\()?var\.([a-z0-9_]+)\)?$/.exec(exprOf(resources) ?? '');
      const variable = m && dir.variable(m[1]);
      if (!variable || blocks(variable.body, 'validation').length === 0) {
        out.push(`${id}: resources ${JSON.stringify(resources)} must be a list or a validated variable`);
      }
      continue;
    }
    for (const r of resources) {
      if (typeof r !== 'string') {
        out.push(`${id}: resource ${JSON.stringify(r)} is not a string`);
      } else if (r === '*') {
        const ok = actions.length > 0 && actions.every((a) => a in kResourcelessActions);
        if (!ok) out.push(`${id}: resource "*" with actions that AWS can scope (${actions.join(', ')})`);
        if (resources.length !== 1) out.push(`${id}: resource "*" must stand alone in its statement`);
      } else if (r.includes('*') && !scopedWildcard(r)) {
        out.push(`${id}: unscoped wildcard resource ${r}`);
      }
    }
  }

  // Policies are attached only from parsed documents (or a module input fed one), never from
  // inline JSON or AWS-managed policies whose contents this test cannot see.
  for (const dir of config.dirs.values()) {
    for (const r of dir.resources()) {
      const at = `${where(dir, r.file)}: ${r.type}.${r.name}`;
      if (r.type === 'aws_iam_role_policy_attachment' || r.type === 'aws_iam_policy_attachment' ||
          r.type === 'aws_iam_role_policies_exclusive' || 'managed_policy_arns' in r.body) {
        out.push(`${at}: attaches a managed policy (contents not reviewable here)`);
      }
      if ('inline_policy' in r.body) out.push(`${at}: inline_policy blocks bypass the documents`);
      if (r.type === 'aws_ecr_lifecycle_policy') continue; // an image lifecycle, not IAM
      for (const key of ['policy', 'assume_role_policy']) {
        if (!(key in r.body)) continue;
        const e = exprOf(r.body[key]) ?? '';
        const fromDoc = /^data\.aws_iam_policy_document\.[a-z0-9_]+\.json$/.test(e);
        const fromVar = /^var\.[a-z0-9_]+_json$/.test(e);
        if (!fromDoc && !fromVar) out.push(`${at}: ${key} must come from an aws_iam_policy_document, is ${JSON.stringify(r.body[key]).slice(0, 80)}`);
      }
    }
    for (const call of dir.blocks.module) {
      for (const [key, value] of Object.entries(call.body)) {
        if (key.endsWith('_json') && !/^data\.aws_iam_policy_document\.[a-z0-9_]+\.json$/.test(exprOf(value) ?? '')) {
          out.push(`${dir.rel}: module.${call.name}.${key} must come from an aws_iam_policy_document`);
        }
      }
    }
  }
  return out;
}

function checkTaskRole(config) {
  const out = [];
  const dir = mustDir(config, kModules.service, out);
  if (!dir) return out;
  const svcTaskDef = dir.resources('aws_ecs_task_definition')[0];
  const role = /^aws_iam_role\.([a-z0-9_]+)\.arn$/.exec(exprOf(svcTaskDef?.body.task_role_arn) ?? '')?.[1];
  if (!role) return [...out, `${dir.rel}: task_role_arn must reference a role of this module`];
  const attached = dir.resources('aws_iam_role_policy').filter((p) => exprOf(p.body.role) === `aws_iam_role.${role}.id`);
  if (attached.length !== 1) return [...out, `${dir.rel}: the task role must have exactly one policy, has ${attached.length}`];
  const docName = /^data\.aws_iam_policy_document\.([a-z0-9_]+)\.json$/.exec(exprOf(attached[0].body.policy) ?? '')?.[1];
  const doc = docName && dir.data('aws_iam_policy_document', docName);
  if (!doc) return [...out, `${dir.rel}: the task role policy must be a policy document of this module`];
  const statements = blocks(doc.body, 'statement');
  if (doc.body.dynamic || statements.length !== 1) out.push(`${dir.rel}: the task role policy must hold exactly one statement`);
  for (const st of statements) {
    if ((st.effect ?? 'Allow') !== 'Allow') out.push(`${dir.rel}: the task role statement must be an Allow`);
    const actions = [...(st.actions ?? [])].sort();
    if (JSON.stringify(actions) !== JSON.stringify(kTaskTableActions)) {
      out.push(`${dir.rel}: task role actions are ${JSON.stringify(actions)}, want ${JSON.stringify(kTaskTableActions)}`);
    }
    if (JSON.stringify(st.resources) !== JSON.stringify(['${var.table_arn}'])) {
      out.push(`${dir.rel}: task role resources must be exactly [var.table_arn]`);
    }
  }
  for (const inst of instancesOf(config, kModules.service, out)) {
    const data = callNameFor(inst.caller, kModules.data);
    if (exprOf(argumentOf(inst, 'table_arn')) !== `module.${data}.table_arn`) {
      out.push(`${inst.label}: table_arn must be module.${data}.table_arn`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Data: point-in-time recovery, KMS encryption, deletion protection in prod
// ---------------------------------------------------------------------------------------------

function checkTable(config) {
  const out = [];
  const all = [...config.dirs.values()].flatMap((d) => d.resources('aws_dynamodb_table').map((t) => ({ d, t })));
  if (all.length === 0) out.push('no aws_dynamodb_table anywhere');
  for (const { d, t } of all) {
    const at = `${where(d, t.file)}: aws_dynamodb_table.${t.name}`;
    if (block(t.body, 'point_in_time_recovery')?.enabled !== true) out.push(`${at}: point_in_time_recovery.enabled must be the literal true`);
    const sse = block(t.body, 'server_side_encryption');
    if (sse?.enabled !== true || !/aws_kms_key\./.test(String(sse?.kms_key_arn))) out.push(`${at}: must be encrypted with this module's KMS key`);
    if (t.body.billing_mode !== 'PAY_PER_REQUEST') out.push(`${at}: billing_mode must be PAY_PER_REQUEST (on-demand)`);
  }
  for (const inst of instancesOf(config, kModules.data, out)) {
    for (const { t } of all.filter((x) => x.d.rel === kModules.data)) {
      const prot = evaluate(t.body.deletion_protection_enabled, inst.scope);
      if (inst.caller.rel.endsWith('/prod') && prot !== true) out.push(`${inst.label}: table deletion protection must be on in prod, is ${show(prot)}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Log retention: CloudWatch log groups and S3 log buckets expire their logs
// ---------------------------------------------------------------------------------------------

function checkLogRetention(config) {
  const out = [];
  let groups = 0;
  for (const dir of config.dirs.values()) {
    const scopes = dir.isRoot ? [{ label: dir.rel, scope: rootScope(dir) }]
      : moduleInstances(config, dir.rel).map((i) => ({ label: `${i.caller.rel} -> ${dir.rel}`, scope: instanceScope(i) }));
    for (const g of dir.resources('aws_cloudwatch_log_group')) {
      groups++;
      if (!('retention_in_days' in g.body)) {
        out.push(`${where(dir, g.file)}: aws_cloudwatch_log_group.${g.name} has no retention_in_days (kept forever)`);
        continue;
      }
      for (const { label, scope } of scopes) {
        const days = evaluate(g.body.retention_in_days, scope);
        if (!kLogRetentionDays.has(days)) out.push(`${label}: retention of ${g.name} is ${show(days)}, not a CloudWatch retention`);
      }
    }

    // Buckets that receive logs: access logs of load balancers and flow log destinations.
    const logBuckets = new Set();
    for (const lb of dir.resources('aws_lb')) {
      const m = /aws_s3_bucket\.([a-z0-9_]+)\./.exec(String(block(lb.body, 'access_logs')?.bucket));
      if (m) logBuckets.add(m[1]);
      else out.push(`${where(dir, lb.file)}: aws_lb.${lb.name} must write access logs to a bucket of this module`);
    }
    for (const fl of dir.resources('aws_flow_log')) {
      const m = /aws_s3_bucket\.([a-z0-9_]+)\./.exec(String(fl.body.log_destination));
      if (m) logBuckets.add(m[1]);
      else if (!/aws_cloudwatch_log_group\./.test(String(fl.body.log_destination))) {
        out.push(`${where(dir, fl.file)}: aws_flow_log.${fl.name} destination is not a bucket or log group of this module`);
      }
    }
    for (const name of logBuckets) {
      const lifecycle = dir.resources('aws_s3_bucket_lifecycle_configuration')
        .find((l) => exprOf(l.body.bucket) === `aws_s3_bucket.${name}.id`);
      const expiring = blocks(lifecycle?.body, 'rule').some((r) => block(r, 'expiration')?.days !== undefined);
      if (!expiring) {
        out.push(`${dir.rel}: log bucket aws_s3_bucket.${name} has no lifecycle expiration`);
        continue;
      }
      for (const { label, scope } of scopes) {
        for (const r of blocks(lifecycle.body, 'rule')) {
          const days = evaluate(block(r, 'expiration')?.days, scope);
          if (block(r, 'expiration') && !(typeof days === 'number' && days > 0)) out.push(`${label}: expiration of ${name} is ${show(days)}`);
        }
      }
    }
  }
  if (groups === 0) out.push('no aws_cloudwatch_log_group anywhere');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Variables and outputs documented
// ---------------------------------------------------------------------------------------------

function checkVariables(config) {
  const out = [];
  for (const dir of config.dirs.values()) {
    for (const v of dir.blocks.variable) {
      const at = `${where(dir, v.file)}: variable "${v.name}"`;
      if (typeof v.body.description !== 'string' || v.body.description.trim().length < 10) out.push(`${at} has no description`);
      if (typeof v.body.type !== 'string' || !v.body.type.startsWith('${')) out.push(`${at} has no type`);
      for (const val of blocks(v.body, 'validation')) {
        if (typeof val.error_message !== 'string' || val.error_message.length < 10) out.push(`${at} has a validation without an error message`);
      }
    }
    for (const o of dir.blocks.output) {
      if (typeof o.body.description !== 'string' || o.body.description.trim().length < 10) out.push(`${where(dir, o.file)}: output "${o.name}" has no description`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tags: default_tags on every provider, tags on every taggable resource
// ---------------------------------------------------------------------------------------------

function checkTags(config) {
  const out = [];
  for (const dir of config.dirs.values()) {
    for (const p of dir.blocks.provider.filter((x) => x.name === 'aws')) {
      const tags = block(block(p.body, 'default_tags'), 'tags') ?? block(p.body, 'default_tags')?.tags;
      const keys = tags && typeof tags === 'object' ? Object.keys(tags) : [];
      for (const key of kRequiredTags) {
        if (!keys.includes(key)) out.push(`${where(dir, p.file)}: provider aws default_tags lacks ${key}`);
      }
    }
    for (const r of dir.resources()) {
      if (kUntaggable.has(r.type)) continue;
      if (!('tags' in r.body)) out.push(`${where(dir, r.file)}: ${r.type}.${r.name} has no tags`);
      else if (!dir.isRoot && !/var\.tags/.test(String(r.body.tags))) out.push(`${where(dir, r.file)}: ${r.type}.${r.name} tags must merge var.tags`);
    }
  }
  const roots = [...config.dirs.values()].filter((d) => d.isRoot).map((d) => d.rel).sort();
  for (const want of ['bootstrap', 'environments/prod', 'environments/shared', 'environments/staging']) {
    if (!roots.includes(want)) out.push(`${want}: must configure the aws provider (with default_tags)`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layout, versions, remote state with locking
// ---------------------------------------------------------------------------------------------

function checkLayout(config) {
  const out = [];
  for (const dir of config.dirs.values()) {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']) {
      if (!(file in dir.files)) out.push(`${dir.rel}: ${file} missing`);
    }
    if (!fs.existsSync(path.join(config.root, dir.rel, 'README.md'))) out.push(`${dir.rel}: README.md missing`);
    const tf = dir.terraform.find((t) => t.file === 'versions.tf')?.body;
    if (!tf?.required_version) out.push(`${dir.rel}: versions.tf must pin required_version`);
    const aws = block(tf, 'required_providers')?.aws;
    if (!aws?.source || !aws?.version) out.push(`${dir.rel}: versions.tf must pin the aws provider source and version`);
    const backend = block(tf, 'backend');
    if (dir.rel.startsWith('environments/')) {
      const s3 = block(backend, 's3');
      if (!s3) out.push(`${dir.rel}: must keep its state in the s3 backend`);
      else {
        if (s3.use_lockfile !== true && !s3.dynamodb_table) out.push(`${dir.rel}: s3 backend must lock (use_lockfile = true)`);
        if (s3.encrypt !== true) out.push(`${dir.rel}: s3 backend must set encrypt = true`);
        if ('bucket' in s3 || 'profile' in s3 || 'role_arn' in s3) out.push(`${dir.rel}: s3 backend must not commit account-specific settings`);
      }
    }
  }
  for (const rel of [...Object.values(kModules), ...kEnvironments, 'environments/shared', 'bootstrap']) {
    if (!config.dirs.has(rel)) out.push(`${rel}: missing`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Production capacity and protection
// ---------------------------------------------------------------------------------------------

function checkProduction(config) {
  const out = [];
  const prod = config.dirs.get('environments/prod');
  if (!prod) return ['environments/prod: missing'];
  const inst = (rel) => moduleInstances(config, rel).find((i) => i.caller === prod);
  const svc = inst(kModules.service);
  const alb = inst(kModules.alb);
  const net = inst(kModules.network);
  if (!svc || !alb || !net) return ['environments/prod: must call the service, alb and network modules'];
  const ev = (i, name) => evaluate('${var.' + name + '}', instanceScope(i));
  const perZone = ev(svc, 'min_tasks_per_zone');
  const zones = ev(svc, 'availability_zone_count');
  const netZones = ev(net, 'availability_zone_count');
  if (!(perZone >= 2)) out.push(`environments/prod: min_tasks_per_zone is ${show(perZone)}, want >= 2`);
  if (!(zones >= 3) || zones !== netZones) out.push(`environments/prod: service zones ${show(zones)} must be >= 3 and equal the network's ${show(netZones)}`);
  if (ev(alb, 'deletion_protection') !== true) out.push('environments/prod: load balancer deletion protection must be on');
  if (ev(alb, 'enable_waf') !== true) out.push('environments/prod: WAF must be on');
  const minCap = `${zones} * ${perZone}`;
  const maxCap = ev(svc, 'max_capacity');
  if (!(maxCap >= zones * perZone)) out.push(`environments/prod: max_capacity ${show(maxCap)} below ${minCap}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CI access: OIDC trust limited to this repository's main branch and environments
// ---------------------------------------------------------------------------------------------

function checkCiAccess(config) {
  const out = [];
  const dir = mustDir(config, kModules.ciAccess, out);
  if (!dir) return out;
  const trust = dir.data('aws_iam_policy_document', 'trust');
  const st = blocks(trust?.body, 'statement');
  if (st.length !== 1) return [...out, `${dir.rel}: the trust policy must hold one statement`];
  const conds = blocks(st[0], 'condition');
  const sub = conds.find((c) => /:sub$/.test(String(c.variable)));
  const aud = conds.find((c) => /:aud$/.test(String(c.variable)));
  if (sub?.test !== 'StringEquals' || !/var\.github_repository/.test(String(sub?.values))) {
    out.push(`${dir.rel}: the sub condition must be StringEquals on repo:<var.github_repository>:<subject>`);
  }
  if (aud?.test !== 'StringEquals' || JSON.stringify(aud?.values) !== '["sts.amazonaws.com"]') {
    out.push(`${dir.rel}: the aud condition must be StringEquals sts.amazonaws.com`);
  }
  if (JSON.stringify(st[0].actions) !== '["sts:AssumeRoleWithWebIdentity"]') out.push(`${dir.rel}: the trust must allow only sts:AssumeRoleWithWebIdentity`);
  for (const i of moduleInstances(config, kModules.ciAccess)) {
    const subjects = i.call.body.subjects;
    const env = i.caller.rel.split('/').pop();
    const ok = Array.isArray(subjects) && subjects.length > 0 && subjects.every((s) =>
      typeof s === 'string' && !s.includes('*') &&
      (s === 'ref:refs/heads/main' || s === 'environment:${local.environment}' || s === `environment:${env}`));
    if (!ok) out.push(`${i.caller.rel}: module.${i.call.name} subjects must be the main branch or this environment, are ${JSON.stringify(subjects)}`);
  }
  for (const d of config.dirs.values()) {
    for (const r of d.resources('aws_iam_user').concat(d.resources('aws_iam_access_key'))) {
      out.push(`${where(d, r.file)}: ${r.type}.${r.name}: no long-lived IAM users or keys`);
    }
  }
  return out;
}

export const rules = [
  { id: 'deployment', title: 'rolling deployment: minimum healthy 100%, maximum 200%, circuit breaker with rollback', check: checkDeployment },
  { id: 'private-tasks', title: 'tasks run only in private subnets, without public IPs', check: checkPrivateTasks },
  { id: 'task-security-group', title: 'task security group admits only the load balancer group on the service port', check: checkTaskSecurityGroup },
  { id: 'tls', title: 'HTTPS on 443 with a TLS 1.2+ policy, HTTP on 80 only redirects', check: checkTls },
  { id: 'drain', title: 'deregistration delay equals the drain and is below the stop timeout; stop > drain + shutdown', check: checkDrain },
  { id: 'container', title: 'container: read-only root, non-root user, no capabilities, binary health check', check: checkContainer },
  { id: 'iam-wildcards', title: 'no wildcard IAM actions or resources; policies only from documents', check: checkIam },
  { id: 'task-role', title: 'task role: only GetItem/PutItem/DeleteItem/DescribeTable on the table', check: checkTaskRole },
  { id: 'table', title: 'DynamoDB: point-in-time recovery, KMS encryption, on-demand, protected in prod', check: checkTable },
  { id: 'log-retention', title: 'every log group and log bucket has a retention', check: checkLogRetention },
  { id: 'variables', title: 'every variable described and typed; every output described', check: checkVariables },
  { id: 'tags', title: 'default_tags on every provider and tags on every taggable resource', check: checkTags },
  { id: 'layout', title: 'four files and a README per folder, pinned versions, locked S3 state', check: checkLayout },
  { id: 'production', title: 'prod: two tasks per zone over three zones, deletion protection, WAF', check: checkProduction },
  { id: 'ci-access', title: 'CI access: OIDC trust limited to this repository main branch and environments', check: checkCiAccess },
];
