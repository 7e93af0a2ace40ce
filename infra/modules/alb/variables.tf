################################################################################
# Naming and placement
################################################################################

variable "name" {
  description = <<-EOT
    Name of the load balancer and prefix of its companions (target group, security group, log
    bucket).
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,28}$", var.name))
    error_message = <<-EOT
      name must be 3-29 characters of lowercase letters, digits and hyphens, starting with a letter
      (AWS caps target group names at 32).
    EOT
  }
}

variable "vpc_id" {
  description = "ID of the VPC the load balancer and its target group live in."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets the load balancer's nodes are placed in, one per availability zone."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = <<-EOT
      public_subnet_ids must name at least two subnets in different availability zones.
    EOT
  }
}

variable "ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach ports 80 and 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition = (
      length(var.ingress_cidrs) > 0
      && alltrue([for cidr in var.ingress_cidrs : can(cidrhost(cidr, 0))])
    )
    error_message = "ingress_cidrs must hold at least one valid IPv4 CIDR."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Target group
################################################################################

variable "container_port" {
  description = "Port the service's containers listen on; the target group forwards to it."
  type        = number
  default     = 8080
  nullable    = false

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be an unprivileged port from 1024 to 65535."
  }
}

variable "target_security_group_id" {
  description = <<-EOT
    Security group of the service's tasks: the only destination the load balancer may send traffic
    to.
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.target_security_group_id))
    error_message = "target_security_group_id must look like sg-0123abcd."
  }
}

variable "health_check_path" {
  description = <<-EOT
    Path the target group probes; the service answers 200 there only while it can serve (readiness).
  EOT
  type        = string
  default     = "/readyz"
  nullable    = false

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with a slash."
  }
}

variable "deregistration_delay_seconds" {
  description = <<-EOT
    Seconds a deregistered target keeps its in-flight requests; must equal the service's drain
    period.
  EOT
  type        = number
  nullable    = false

  validation {
    condition = (
      var.deregistration_delay_seconds >= 0
      && var.deregistration_delay_seconds <= 3600
    )
    error_message = "deregistration_delay_seconds must be from 0 to 3600."
  }
}

################################################################################
# Listeners and certificate
################################################################################

variable "ssl_policy" {
  description = "TLS negotiation policy of the HTTPS listener; only TLS 1.2+ policies are accepted."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
  nullable    = false

  validation {
    condition = contains([
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
      "ELBSecurityPolicy-TLS-1-2-2017-01",
      "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ], var.ssl_policy)
    error_message = <<-EOT
      ssl_policy must be a TLS 1.2+ policy: ELBSecurityPolicy-TLS13-1-2-2021-06,
      -TLS13-1-2-Res-2021-06, -TLS13-1-2-Ext1-2021-06, -TLS13-1-2-Ext2-2021-06, -TLS13-1-3-2021-06,
      -TLS-1-2-2017-01, -TLS-1-2-Ext-2018-06 or -FS-1-2-Res-2020-10.
    EOT
  }
}

variable "certificate_arn" {
  description = <<-EOT
    ARN of an existing ACM certificate for the HTTPS listener. When null, the module requests one
    for domain_name and validates it in route53_zone_id.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.certificate_arn != null
      || (var.domain_name != null && var.route53_zone_id != null)
    )
    error_message = <<-EOT
      Set certificate_arn, or both domain_name and route53_zone_id so the module can issue and
      validate a certificate.
    EOT
  }
}

variable "domain_name" {
  description = <<-EOT
    Public DNS name of the service (for example api.example.com); with route53_zone_id an alias
    record points it at the load balancer.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.domain_name == null
      || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    )
    error_message = "domain_name must be a lowercase DNS name such as api.example.com."
  }
}

variable "route53_zone_id" {
  description = <<-EOT
    ID of the public Route 53 hosted zone of domain_name, used for certificate validation and the
    alias record.
  EOT
  type        = string
  default     = null
}

################################################################################
# Load balancer behaviour
################################################################################

variable "deletion_protection" {
  description = <<-EOT
    Refuse to delete the load balancer until this is turned off (keep true in production).
  EOT
  type        = bool
  default     = true
  nullable    = false
}

variable "idle_timeout_seconds" {
  description = <<-EOT
    Seconds an idle client connection stays open; below the service's keep-alive timeout so the load
    balancer closes first.
  EOT
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.idle_timeout_seconds >= 1 && var.idle_timeout_seconds <= 4000
    error_message = "idle_timeout_seconds must be from 1 to 4000."
  }
}

variable "access_log_retention_days" {
  description = "Days access log objects are kept in their S3 bucket before they expire."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.access_log_retention_days >= 7 && var.access_log_retention_days <= 3653
    error_message = "access_log_retention_days must be from 7 to 3653."
  }
}

variable "log_bucket_force_destroy" {
  description = <<-EOT
    Allow Terraform to delete the access log bucket while it still holds objects (true only for
    throw-away environments).
  EOT
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# WAF
################################################################################

variable "enable_waf" {
  description = "Attach a WAF web ACL with a per-IP rate limit and the AWS managed common rule set."
  type        = bool
  default     = false
  nullable    = false
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in any 5-minute window before WAF blocks it."
  type        = number
  default     = 2000
  nullable    = false

  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be from 100 to 2000000000."
  }
}
