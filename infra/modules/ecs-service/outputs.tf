################################################################################
# Cluster and service
################################################################################

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ARN of the ECS service (the resource the deploy role may update)."
  value       = aws_ecs_service.this.id
}

output "container_name" {
  description = "Name of the service's container in the task definition."
  value       = local.container_name
}

output "min_capacity" {
  description = "Fewest tasks auto scaling keeps (availability zones x tasks per zone)."
  value       = aws_appautoscaling_target.this.min_capacity
}

output "max_capacity" {
  description = "Most tasks auto scaling may run."
  value       = aws_appautoscaling_target.this.max_capacity
}

################################################################################
# Task definition and roles
################################################################################

output "task_definition_family" {
  description = "Family of the task definition; the deploy pipeline registers new revisions in it."
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_arn" {
  description = "ARN of the revision Terraform registered last."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the containers' AWS identity)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the execution role (used by ECS to pull the image and write logs)."
  value       = aws_iam_role.execution.arn
}

################################################################################
# Network and logs
################################################################################

output "security_group_id" {
  description = "ID of the tasks' security group."
  value       = aws_security_group.task.id
}

output "log_group_name" {
  description = "CloudWatch log group of the service's containers."
  value       = aws_cloudwatch_log_group.this.name
}
