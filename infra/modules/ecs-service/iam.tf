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
