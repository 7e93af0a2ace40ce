################################################################################
# Naming and tags
################################################################################

variable "name" {
  description = "Name of the cluster, service, task family, roles and log group."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,31}$", var.name))
    error_message = <<-EOT
      name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter.
    EOT
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Task definition
################################################################################

variable "image" {
  description = <<-EOT
    Image the first task definition revision runs, pinned by digest
    (<registry>/<repository>@sha256:<digest>). Later revisions come from the deploy pipeline.
  EOT
  type        = string
  nullable    = false

  validation {
    condition = can(regex(join("", [
      "^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?",
      "/[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$",
    ]), var.image))
    error_message = <<-EOT
      image must be an ECR image pinned by digest:
      <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>.
    EOT
  }
}

variable "ecr_repository_arn" {
  description = <<-EOT
    ARN of the ECR repository the image comes from; the execution role may pull from it and nothing
    else.
  EOT
  type        = string
  nullable    = false

  validation {
    condition = can(regex(
      "^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9][a-z0-9._/-]*$",
      var.ecr_repository_arn
    ))
    error_message = <<-EOT
      ecr_repository_arn must be an ECR repository ARN
      (arn:aws:ecr:<region>:<account>:repository/<name>).
    EOT
  }
}

variable "cpu" {
  description = "Task CPU units (1024 = one vCPU)."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = <<-EOT
    Task memory in MiB; Fargate accepts 2x to 8x the CPU units (AWS checks the exact pairs).
  EOT
  type        = number
  default     = 1024
  nullable    = false

  validation {
    condition     = var.memory >= 2 * var.cpu && var.memory <= 8 * var.cpu
    error_message = "memory must be from 2x to 8x cpu (for cpu 512: 1024 to 4096 MiB)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "container_port" {
  description = "Port the service listens on inside the task (HELLO_LISTEN=0.0.0.0:<port>)."
  type        = number
  default     = 8080
  nullable    = false

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be an unprivileged port from 1024 to 65535."
  }
}

variable "log_level" {
  description = "HELLO_LOG_LEVEL of the service."
  type        = string
  default     = "info"
  nullable    = false

  validation {
    condition     = contains(["trace", "debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be one of trace, debug, info, warn, error."
  }
}

variable "time_zone" {
  description = "HELLO_TIMEZONE: IANA time zone that decides what \"today\" is."
  type        = string
  default     = "UTC"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.time_zone))
    error_message = "time_zone must be an IANA zone name such as UTC or Europe/Dublin."
  }
}

variable "secrets" {
  description = <<-EOT
    Environment variables filled from Secrets Manager at task start: name => secret ARN. The
    execution role may read exactly these secrets.
  EOT
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for name, arn in var.secrets :
      can(regex("^HELLO_[A-Z0-9_]+$", name))
      && can(regex(
        "^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$",
        arn
      ))
    ])
    error_message = <<-EOT
      secrets keys must be HELLO_* variable names and values full Secrets Manager secret ARNs.
    EOT
  }
}

################################################################################
# Shutdown: drain, shutdown timeout and stop timeout
################################################################################

variable "drain_seconds" {
  description = <<-EOT
    HELLO_DRAIN_SECONDS: after SIGTERM the service answers /readyz with 503 but keeps serving this
    long. Pass the same value as the target group's deregistration delay.
  EOT
  type        = number
  nullable    = false

  validation {
    condition = (
      var.drain_seconds >= 0
      && var.drain_seconds <= 60
      && floor(var.drain_seconds) == var.drain_seconds
    )
    error_message = "drain_seconds must be a whole number from 0 to 60."
  }
}

variable "shutdown_timeout_seconds" {
  description = <<-EOT
    HELLO_SHUTDOWN_TIMEOUT_SECONDS: after the drain, how long in-flight requests may take before the
    process exits.
  EOT
  type        = number
  nullable    = false

  validation {
    condition = (
      var.shutdown_timeout_seconds >= 1
      && var.shutdown_timeout_seconds <= 60
      && floor(var.shutdown_timeout_seconds) == var.shutdown_timeout_seconds
    )
    error_message = "shutdown_timeout_seconds must be a whole number from 1 to 60."
  }
}

variable "stop_timeout_seconds" {
  description = <<-EOT
    Container stopTimeout: seconds between SIGTERM and SIGKILL. Must exceed drain_seconds +
    shutdown_timeout_seconds; Fargate allows at most 120.
  EOT
  type        = number
  nullable    = false

  validation {
    condition = (
      var.stop_timeout_seconds > var.drain_seconds + var.shutdown_timeout_seconds
      && var.stop_timeout_seconds <= 120
    )
    error_message = <<-EOT
      stop_timeout_seconds must be greater than drain_seconds + shutdown_timeout_seconds and at most
      120.
    EOT
  }
}

################################################################################
# Capacity, deployment and scaling
################################################################################

variable "availability_zone_count" {
  description = <<-EOT
    Number of availability zones of private_subnet_ids; the minimum task count is this times
    min_tasks_per_zone.
  EOT
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 4
    error_message = "availability_zone_count must be from 2 to 4."
  }
}

variable "min_tasks_per_zone" {
  description = <<-EOT
    Tasks kept in each availability zone at the lowest scale (2 in production, so losing a task
    never empties a zone).
  EOT
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition = (
      var.min_tasks_per_zone >= 1
      && floor(var.min_tasks_per_zone) == var.min_tasks_per_zone
    )
    error_message = "min_tasks_per_zone must be a whole number of at least 1."
  }
}

variable "max_capacity" {
  description = "Most tasks auto scaling may run."
  type        = number
  nullable    = false

  validation {
    condition = (
      var.max_capacity >= var.availability_zone_count * var.min_tasks_per_zone
      && var.max_capacity <= 1000
    )
    error_message = <<-EOT
      max_capacity must be at least availability_zone_count * min_tasks_per_zone and at most 1000.
    EOT
  }
}

variable "cpu_target_percent" {
  description = "Average task CPU utilisation auto scaling keeps the service at."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.cpu_target_percent >= 10 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be from 10 to 90."
  }
}

variable "requests_per_target" {
  description = "Load balancer requests per task per minute auto scaling keeps the service at."
  type        = number
  default     = 6000
  nullable    = false

  validation {
    condition     = var.requests_per_target >= 100
    error_message = "requests_per_target must be at least 100."
  }
}

variable "health_check_grace_period_seconds" {
  description = <<-EOT
    Seconds after a task starts during which failing load balancer health checks do not stop it.
  EOT
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition = (
      var.health_check_grace_period_seconds >= 0
      && var.health_check_grace_period_seconds <= 600
    )
    error_message = "health_check_grace_period_seconds must be from 0 to 600."
  }
}

variable "container_insights" {
  description = "Container Insights level of the cluster."
  type        = string
  default     = "enabled"
  nullable    = false

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = <<-EOT
      container_insights must be enabled or enhanced; the dashboard and alarms read its metrics.
    EOT
  }
}

variable "log_retention_days" {
  description = "Days the service's CloudWatch log events are kept."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition = contains([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
      3288, 3653,
    ], var.log_retention_days)
    error_message = <<-EOT
      log_retention_days must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150,
      180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653.
    EOT
  }
}

################################################################################
# Network and load balancer
################################################################################

variable "vpc_id" {
  description = "ID of the VPC of the tasks."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC; tasks may open HTTPS to it (the interface endpoints)."
  type        = string
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR."
  }
}

variable "private_subnet_ids" {
  description = <<-EOT
    Private subnets the tasks run in, one per availability zone. Never public subnets: tasks get no
    public IP.
  EOT
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = <<-EOT
      private_subnet_ids must name at least two subnets in different availability zones.
    EOT
  }
}

variable "gateway_endpoint_prefix_list_ids" {
  description = <<-EOT
    Prefix lists of the S3 and DynamoDB gateway endpoints; tasks may open HTTPS to them.
  EOT
  type        = list(string)
  nullable    = false
}

variable "allow_internet_egress" {
  description = "Let tasks open HTTPS to any address (only useful with NAT gateways)."
  type        = bool
  default     = false
  nullable    = false
}

variable "load_balancer_security_group_id" {
  description = <<-EOT
    Security group of the load balancer: the only source the tasks admit, on container_port only.
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.load_balancer_security_group_id))
    error_message = "load_balancer_security_group_id must look like sg-0123abcd."
  }
}

variable "target_group_arn" {
  description = "ARN of the load balancer target group the tasks register in."
  type        = string
  nullable    = false
}

variable "request_count_resource_label" {
  description = <<-EOT
    <load balancer ARN suffix>/<target group ARN suffix>, the resource label of the
    ALBRequestCountPerTarget scaling metric.
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^app/.+/targetgroup/.+$", var.request_count_resource_label))
    error_message = <<-EOT
      request_count_resource_label must look like app/<lb-name>/<id>/targetgroup/<tg-name>/<id>.
    EOT
  }
}

################################################################################
# Data
################################################################################

variable "table_name" {
  description = <<-EOT
    Name of the DynamoDB table the service stores users in
    (HELLO_DATABASE_URL=dynamodb://<table>?region=<region>).
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = <<-EOT
      table_name must be a DynamoDB table name: 3-255 of letters, digits, underscore, dot and
      hyphen.
    EOT
  }
}

variable "table_arn" {
  description = <<-EOT
    ARN of that table; the task role may GetItem, PutItem, DeleteItem and DescribeTable on it and
    nothing else.
  EOT
  type        = string
  nullable    = false

  validation {
    condition = can(regex(
      "^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$",
      var.table_arn
    ))
    error_message = "table_arn must be a DynamoDB table ARN without wildcards."
  }
}
