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
