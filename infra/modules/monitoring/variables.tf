################################################################################
# Naming and notification
################################################################################

variable "name" {
  description = "Prefix of the dashboard, the alarms and the SNS topic."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,31}$", var.name))
    error_message = <<-EOT
      name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter.
    EOT
  }
}

variable "alarm_emails" {
  description = <<-EOT
    Email addresses subscribed to the alarm topic (each must confirm the subscription once).
  EOT
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for email in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))
    ])
    error_message = "alarm_emails must hold email addresses."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# What is watched
################################################################################

variable "load_balancer_arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer metric dimension)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^app/[^/]+/[0-9a-f]+$", var.load_balancer_arn_suffix))
    error_message = "load_balancer_arn_suffix must look like app/<name>/<id>."
  }
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the target group (the TargetGroup metric dimension)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^targetgroup/[^/]+/[0-9a-f]+$", var.target_group_arn_suffix))
    error_message = "target_group_arn_suffix must look like targetgroup/<name>/<id>."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
  nullable    = false
}

variable "service_name" {
  description = "Name of the ECS service."
  type        = string
  nullable    = false
}

variable "table_name" {
  description = "Name of the DynamoDB table."
  type        = string
  nullable    = false
}

################################################################################
# Thresholds
################################################################################

variable "error_rate_threshold_percent" {
  description = <<-EOT
    Alarm when 5xx answers (from the targets and from the load balancer itself) exceed this share of
    requests.
  EOT
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent <= 100
    error_message = "error_rate_threshold_percent must be above 0 and at most 100."
  }
}

variable "p99_latency_threshold_seconds" {
  description = "Alarm when the p99 target response time exceeds this many seconds."
  type        = number
  default     = 0.25
  nullable    = false

  validation {
    condition     = var.p99_latency_threshold_seconds > 0 && var.p99_latency_threshold_seconds <= 60
    error_message = "p99_latency_threshold_seconds must be above 0 and at most 60."
  }
}

variable "cpu_threshold_percent" {
  description = "Alarm when the service's average CPU utilisation exceeds this."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.cpu_threshold_percent > 0 && var.cpu_threshold_percent <= 100
    error_message = "cpu_threshold_percent must be above 0 and at most 100."
  }
}

variable "memory_threshold_percent" {
  description = "Alarm when the service's average memory utilisation exceeds this."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.memory_threshold_percent > 0 && var.memory_threshold_percent <= 100
    error_message = "memory_threshold_percent must be above 0 and at most 100."
  }
}

variable "min_running_tasks" {
  description = "Alarm when fewer tasks than this run (the service's minimum capacity)."
  type        = number
  nullable    = false

  validation {
    condition     = var.min_running_tasks >= 1
    error_message = "min_running_tasks must be at least 1."
  }
}
