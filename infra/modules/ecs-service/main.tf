data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.name
  container_name = "app"
  min_capacity   = var.availability_zone_count * var.min_tasks_per_zone

  # The one container of the task. Kept as a plain object (not built inline in jsonencode) so
  # the policy tests can read every field of it from the parsed configuration.
  container = {
    name      = local.container_name
    image     = var.image
    essential = true

    # The image's fixed non-root UID and a read-only root filesystem. Fargate accepts no
    # dockerSecurityOptions, so the no-new-privileges flag cannot be set; every capability is
    # dropped instead, so even a setuid program in the image gains none.
    user                   = "10001"
    readonlyRootFilesystem = true
    linuxParameters = {
      initProcessEnabled = true
      capabilities = {
        add  = []
        drop = ["ALL"]
      }
    }

    portMappings = [{
      name          = "http"
      containerPort = var.container_port
      hostPort      = var.container_port
      protocol      = "tcp"
    }]

    environment = [
      {
        name  = "HELLO_DATABASE_URL"
        value = "dynamodb://${var.table_name}?region=${local.region}"
      },
      { name = "HELLO_LISTEN", value = "0.0.0.0:${var.container_port}" },
      { name = "HELLO_DRAIN_SECONDS", value = tostring(var.drain_seconds) },
      { name = "HELLO_SHUTDOWN_TIMEOUT_SECONDS", value = tostring(var.shutdown_timeout_seconds) },
      { name = "HELLO_LOG_FORMAT", value = "json" },
      { name = "HELLO_LOG_LEVEL", value = var.log_level },
      { name = "HELLO_TIMEZONE", value = var.time_zone },
    ]
    secrets = [for name, arn in var.secrets : { name = name, valueFrom = arn }]

    # Liveness probe by the binary itself (the image has no shell or curl).
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/hello-birthday", "healthcheck"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }

    # SIGTERM -> drain (readiness 503) -> shutdown timeout -> exit 0; SIGKILL only after this.
    stopTimeout = var.stop_timeout_seconds

    ulimits = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.this.name
        "awslogs-region"        = local.region
        "awslogs-stream-prefix" = local.container_name
        "mode"                  = "non-blocking"
        "max-buffer-size"       = "4m"
      }
    }

    mountPoints = []
    volumesFrom = []
  }
}

################################################################################
# Cluster and logs
################################################################################

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days

  tags = merge({ Name = "/ecs/${var.name}" }, var.tags)
}

################################################################################
# IAM: execution role (pull the image, write logs, read the named secrets)
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  description        = <<-EOT
    ECS agent for ${var.name}: pull the image, write logs, read the task's secrets
  EOT
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge({ Name = "${var.name}-execution" }, var.tags)
}

# Its one "*" is ecr:GetAuthorizationToken (see the statement); tests/infra reviews every "*".
#trivy:ignore:AVD-AWS-0057
data "aws_iam_policy_document" "execution" {
  # ecr:GetAuthorizationToken has no resource type in IAM: AWS accepts only "*" for it. The
  # token it returns opens no repository by itself; the pull actions below are limited to one.
  statement {
    sid       = "RegistryToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PullServiceImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid     = "WriteServiceLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      aws_cloudwatch_log_group.this.arn,
      "${aws_cloudwatch_log_group.this.arn}:log-stream:*",
    ]
  }

  dynamic "statement" {
    for_each = length(var.secrets) > 0 ? [1] : []

    content {
      sid       = "ReadServiceSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(var.secrets)
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

################################################################################
# IAM: task role (the service's own identity: four DynamoDB actions on one table)
################################################################################

resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  description        = "Identity of the ${var.name} containers: read and write its DynamoDB table"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge({ Name = "${var.name}-task" }, var.tags)
}

data "aws_iam_policy_document" "task" {
  statement {
    sid = "UsersTable"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
    ]
    resources = [var.table_arn]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "users-table"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

################################################################################
# Security group: only the load balancer, only on the service port
################################################################################

resource "aws_security_group" "task" {
  name_prefix = "${var.name}-tasks-"
  description = "Tasks of ${var.name}: service port from the load balancer only"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-tasks" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_load_balancer" {
  security_group_id            = aws_security_group.task.id
  description                  = "Requests and health checks from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.load_balancer_security_group_id

  tags = merge({ Name = "${var.name}-tasks-from-lb" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the interface VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr

  tags = merge({ Name = "${var.name}-tasks-to-endpoints" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "gateway_endpoints" {
  for_each = toset(var.gateway_endpoint_prefix_list_ids)

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the S3 and DynamoDB gateway endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value

  tags = merge({ Name = "${var.name}-tasks-to-${each.value}" }, var.tags)
}

# Only with allow_internet_egress (off by default): HTTPS out through the NAT gateways.
#trivy:ignore:AVD-AWS-0104
resource "aws_vpc_security_group_egress_rule" "internet" {
  count = var.allow_internet_egress ? 1 : 0

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the internet through the NAT gateways"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge({ Name = "${var.name}-tasks-to-internet" }, var.tags)
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  tags = merge({ Name = var.name }, var.tags)
}

################################################################################
# Service
################################################################################

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this.arn
  desired_count                     = local.min_capacity
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = var.health_check_grace_period_seconds
  availability_zone_rebalancing     = "ENABLED" # keep the tasks even across the zones
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"
  enable_execute_command            = false # no interactive shell into production tasks

  # Rolling update that never drops below the running count: new tasks start and turn healthy
  # before old ones drain. A deployment whose tasks never turn healthy is rolled back.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_controller {
    type = "ECS"
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  tags = merge({ Name = var.name }, var.tags)

  # The deploy pipeline registers new task definition revisions and auto scaling moves the
  # desired count; Terraform must not undo either on its next apply.
  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }
}

################################################################################
# Auto scaling: CPU and requests per task
################################################################################

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = local.min_capacity
  max_capacity       = var.max_capacity

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = var.request_count_resource_label
    }
  }
}
