################################################################################
# Dashboard
################################################################################

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value = join("", [
    "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}",
    "#dashboards:name=${aws_cloudwatch_dashboard.this.dashboard_name}",
  ])
}

################################################################################
# Alarms
################################################################################

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of all alarms."
  value = [
    aws_cloudwatch_metric_alarm.error_rate.alarm_name,
    aws_cloudwatch_metric_alarm.p99_latency.alarm_name,
    aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name,
    aws_cloudwatch_metric_alarm.cpu.alarm_name,
    aws_cloudwatch_metric_alarm.memory.alarm_name,
    aws_cloudwatch_metric_alarm.running_tasks.alarm_name,
    aws_cloudwatch_metric_alarm.dynamodb_throttles.alarm_name,
    aws_cloudwatch_metric_alarm.dynamodb_errors.alarm_name,
  ]
}
