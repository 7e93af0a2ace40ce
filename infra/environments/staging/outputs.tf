output "service_url" {
  description = "HTTPS URL of the service (GitHub environment variable SERVICE_URL)."
  value       = module.alb.url
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (target of a CNAME when DNS is managed elsewhere)."
  value       = module.alb.dns_name
}

output "cluster_name" {
  description = "ECS cluster (GitHub environment variable ECS_CLUSTER)."
  value       = module.service.cluster_name
}

output "service_name" {
  description = "ECS service (GitHub environment variable ECS_SERVICE)."
  value       = module.service.service_name
}

output "deploy_role_arn" {
  description = <<-EOT
    Role of the deploy job in this GitHub environment (GitHub environment variable
    AWS_DEPLOY_ROLE_ARN).
  EOT
  value       = module.ci_deploy.role_arn
}

output "table_name" {
  description = "DynamoDB table of users."
  value       = module.data.table_name
}

output "dashboard_url" {
  description = "CloudWatch dashboard of the environment."
  value       = module.monitoring.dashboard_url
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.alarm_topic_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the service."
  value       = module.service.log_group_name
}
