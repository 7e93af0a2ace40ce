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
