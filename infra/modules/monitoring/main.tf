data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  account_root = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"
  region       = data.aws_region.current.name

  lb_dimensions = {
    LoadBalancer = var.load_balancer_arn_suffix
  }
  target_dimensions = {
    LoadBalancer = var.load_balancer_arn_suffix
    TargetGroup  = var.target_group_arn_suffix
  }
  service_dimensions = {
    ClusterName = var.cluster_name
    ServiceName = var.service_name
  }
  alarm_actions = [aws_sns_topic.alarms.arn]
}

################################################################################
# Alarm topic, encrypted with a key CloudWatch may use
################################################################################

resource "aws_kms_key" "alarms" {
  description             = "Encryption of the ${var.name} alarm topic"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30

  tags = merge({ Name = "${var.name}-alarms" }, var.tags)
}

data "aws_iam_policy_document" "alarms_key" {
  statement {
    sid = "AccountAdministersAndDelegatesThroughIam"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = [aws_kms_key.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  statement {
    sid       = "CloudWatchPublishesEncrypted"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key_policy" "alarms" {
  key_id = aws_kms_key.alarms.id
  policy = data.aws_iam_policy_document.alarms_key.json
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn

  tags = merge({ Name = "${var.name}-alarms" }, var.tags)
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Alarms: load balancer
################################################################################

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name = "${var.name}-5xx-rate"
  alarm_description = join(" ", [
    "More than ${var.error_rate_threshold_percent}% of requests answered 5xx",
    "(service or load balancer) in 2 of 3 minutes.",
  ])
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / requests"
    label       = "5xx share of requests (%)"
    return_data = true
  }

  metric_query {
    id = "target5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.lb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "lb5xx"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.lb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.lb_dimensions
      period      = 60
      stat        = "Sum"
    }
  }

  tags = merge({ Name = "${var.name}-5xx-rate" }, var.tags)
}

resource "aws_cloudwatch_metric_alarm" "p99_latency" {
  alarm_name = "${var.name}-p99-latency"
  alarm_description = join(" ", [
    "p99 target response time above ${var.p99_latency_threshold_seconds}s",
    "in 3 of 5 minutes.",
  ])
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.target_dimensions
  extended_statistic  = "p99"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.p99_latency_threshold_seconds
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge({ Name = "${var.name}-p99-latency" }, var.tags)
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-unhealthy-hosts"
  alarm_description   = "At least one task failed its /readyz health check for 2 minutes in a row."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.target_dimensions
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge({ Name = "${var.name}-unhealthy-hosts" }, var.tags)
}

################################################################################
# Alarms: service tasks
################################################################################

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name = "${var.name}-cpu"
  alarm_description = join(" ", [
    "Average task CPU above ${var.cpu_threshold_percent}% for 5 minutes:",
    "scaling is not keeping up or max_capacity is reached.",
  ])
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.service_dimensions
  statistic           = "Average"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cpu_threshold_percent
  evaluation_periods  = 5
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge({ Name = "${var.name}-cpu" }, var.tags)
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  alarm_name          = "${var.name}-memory"
  alarm_description   = "Average task memory above ${var.memory_threshold_percent}% for 5 minutes."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = local.service_dimensions
  statistic           = "Average"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.memory_threshold_percent
  evaluation_periods  = 5
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge({ Name = "${var.name}-memory" }, var.tags)
}

resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  alarm_name = "${var.name}-running-tasks"
  alarm_description = join(" ", [
    "Fewer than ${var.min_running_tasks} tasks running for 3 minutes",
    "(Container Insights).",
  ])
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = local.service_dimensions
  statistic           = "Minimum"
  period              = 60
  comparison_operator = "LessThanThreshold"
  threshold           = var.min_running_tasks
  evaluation_periods  = 3
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge({ Name = "${var.name}-running-tasks" }, var.tags)
}

################################################################################
# Alarms: DynamoDB
################################################################################

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  alarm_name = "${var.name}-dynamodb-throttles"
  alarm_description = join(" ", [
    "DynamoDB throttled reads or writes of ${var.table_name}",
    "(the service retries, then answers 503).",
  ])
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "throttles"
    expression  = "FILL(reads, 0) + FILL(writes, 0)"
    label       = "Throttle events"
    return_data = true
  }

  metric_query {
    id = "reads"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = var.table_name }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "writes"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = var.table_name }
      period      = 60
      stat        = "Sum"
    }
  }

  tags = merge({ Name = "${var.name}-dynamodb-throttles" }, var.tags)
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_errors" {
  alarm_name = "${var.name}-dynamodb-errors"
  alarm_description = join(" ", [
    "DynamoDB answered GetItem, PutItem or DeleteItem on ${var.table_name}",
    "with a server error.",
  ])
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "errors"
    expression  = "FILL(get, 0) + FILL(put, 0) + FILL(del, 0)"
    label       = "System errors"
    return_data = true
  }

  metric_query {
    id = "get"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "SystemErrors"
      dimensions  = { TableName = var.table_name, Operation = "GetItem" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "put"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "SystemErrors"
      dimensions  = { TableName = var.table_name, Operation = "PutItem" }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "del"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "SystemErrors"
      dimensions  = { TableName = var.table_name, Operation = "DeleteItem" }
      period      = 60
      stat        = "Sum"
    }
  }

  tags = merge({ Name = "${var.name}-dynamodb-errors" }, var.tags)
}

################################################################################
# Dashboard
################################################################################

locals {
  alarm_arns = [
    aws_cloudwatch_metric_alarm.error_rate.arn,
    aws_cloudwatch_metric_alarm.p99_latency.arn,
    aws_cloudwatch_metric_alarm.unhealthy_hosts.arn,
    aws_cloudwatch_metric_alarm.cpu.arn,
    aws_cloudwatch_metric_alarm.memory.arn,
    aws_cloudwatch_metric_alarm.running_tasks.arn,
    aws_cloudwatch_metric_alarm.dynamodb_throttles.arn,
    aws_cloudwatch_metric_alarm.dynamodb_errors.arn,
  ]

  lb          = var.load_balancer_arn_suffix
  tg          = var.target_group_arn_suffix
  ecs         = ["ClusterName", var.cluster_name, "ServiceName", var.service_name]
  ddb         = ["TableName", var.table_name]
  ddb_latency = concat(["AWS/DynamoDB", "SuccessfulRequestLatency"], local.ddb)
  base        = { region = local.region, period = 60 }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = [
      {
        type       = "alarm"
        x          = 0
        y          = 0
        width      = 24
        height     = 3
        properties = { title = "Alarms", alarms = local.alarm_arns }
      },
      {
        type   = "metric"
        x      = 0
        y      = 3
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "Requests and 5xx (per minute)"
          stat  = "Sum"
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", local.lb],
            [".", "HTTPCode_Target_5XX_Count", ".", "."],
            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
            [".", "HTTPCode_Target_4XX_Count", ".", "."],
          ]
        })
      },
      {
        type   = "metric"
        x      = 8
        y      = 3
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "Target response time (s)"
          metrics = [
            [
              "AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", local.lb,
              "TargetGroup", local.tg, { stat = "p50", label = "p50" },
            ],
            ["...", { stat = "p99", label = "p99" }],
          ]
          annotations = {
            horizontal = [{ label = "p99 alarm", value = var.p99_latency_threshold_seconds }]
          }
        })
      },
      {
        type   = "metric"
        x      = 16
        y      = 3
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "Healthy and unhealthy targets"
          stat  = "Minimum"
          metrics = [
            [
              "AWS/ApplicationELB", "HealthyHostCount",
              "LoadBalancer", local.lb, "TargetGroup", local.tg,
            ],
            [".", "UnHealthyHostCount", ".", ".", ".", ".", { stat = "Maximum" }],
          ]
        })
      },
      {
        type   = "metric"
        x      = 0
        y      = 9
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "Task CPU and memory (%)"
          stat  = "Average"
          metrics = [
            concat(["AWS/ECS", "CPUUtilization"], local.ecs),
            concat(["AWS/ECS", "MemoryUtilization"], local.ecs),
          ]
          yAxis = { left = { min = 0, max = 100 } }
        })
      },
      {
        type   = "metric"
        x      = 8
        y      = 9
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "Tasks: running, desired, pending"
          stat  = "Average"
          metrics = [
            concat(["ECS/ContainerInsights", "RunningTaskCount"], local.ecs),
            concat(["ECS/ContainerInsights", "DesiredTaskCount"], local.ecs),
            concat(["ECS/ContainerInsights", "PendingTaskCount"], local.ecs),
          ]
        })
      },
      {
        type   = "metric"
        x      = 16
        y      = 9
        width  = 8
        height = 6
        properties = merge(local.base, {
          title = "DynamoDB latency (ms)"
          stat  = "Average"
          metrics = [
            concat(local.ddb_latency, ["Operation", "GetItem"]),
            concat(local.ddb_latency, ["Operation", "PutItem"]),
            concat(local.ddb_latency, ["Operation", "DeleteItem"]),
          ]
        })
      },
      {
        type   = "metric"
        x      = 0
        y      = 15
        width  = 12
        height = 6
        properties = merge(local.base, {
          title = "DynamoDB consumed capacity (units per minute)"
          stat  = "Sum"
          metrics = [
            concat(["AWS/DynamoDB", "ConsumedReadCapacityUnits"], local.ddb),
            concat(["AWS/DynamoDB", "ConsumedWriteCapacityUnits"], local.ddb),
          ]
        })
      },
      {
        type   = "metric"
        x      = 12
        y      = 15
        width  = 12
        height = 6
        properties = merge(local.base, {
          title = "DynamoDB throttles and errors"
          stat  = "Sum"
          metrics = [
            concat(["AWS/DynamoDB", "ReadThrottleEvents"], local.ddb),
            concat(["AWS/DynamoDB", "WriteThrottleEvents"], local.ddb),
            concat(["AWS/DynamoDB", "SystemErrors"], local.ddb, ["Operation", "GetItem"]),
            concat(["AWS/DynamoDB", "SystemErrors"], local.ddb, ["Operation", "PutItem"]),
          ]
        })
      },
    ]
  })
}
